"""OpenAPI of the admin's destinations: what was learned per number called."""

from __future__ import annotations

from faxgw.api.openapi.common import ADMIN, ADMIN_401, TS, error, nullable, ok, ref

_NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"},
           "description": "The number as called (E.164 or national); compared by its digits, "
                          "national numbers in E.164 form where [dialplan] country_code is set."}
_STR = nullable({"type": "string"})
_INT = nullable({"type": "integer"})
_RATE = nullable({"type": "integer", "enum": [14400, 12000, 9600, 7200, 4800, 2400]})
_TROUBLE = {"type": "object", "required": ["count", "lastOn"], "properties": {
    "count": {"type": "integer", "minimum": 0}, "lastOn": nullable(TS)}}

PATHS = {
    "/admin/destinations": {"get": {
        "summary": "What was learned per number called", "operationId": "listDestinations",
        "security": ADMIN, "description": "Admin key only. In number order.",
        "parameters": [{"name": "limit", "in": "query", "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                       {"name": "after", "in": "query", "required": False,
                        "schema": {"type": "string", "pattern": "^[0-9]*$"},
                        "description": "The nextAfter of the page before."}],
        "responses": {**ok("One page.", "DestinationList"), "400": error("A bad limit or after."),
                      **ADMIN_401}}},
    "/admin/destinations/{number}": {
        "get": {"summary": "What was learned about one number", "operationId": "getDestination",
                "security": ADMIN, "parameters": [_NUMBER],
                "responses": {**ok("The destination.", "Destination"),
                              "400": error("Not a phone number."), **ADMIN_401,
                              "404": error("Nothing is known about this number yet.")}},
        "put": {"summary": "Set or lock what the next calls start from",
                "operationId": "putDestination", "security": ADMIN, "parameters": [_NUMBER],
                "description": "Admin key only. The fields given replace the learned ones; "
                               "with locked=true calls no longer change startBitRate, ecm or "
                               "pinnedCsi (they still record what they saw). A number not "
                               "called yet can be set up beforehand.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "additionalProperties": False, "properties": {
                        "startBitRate": _RATE, "ecm": {"type": "boolean"},
                        "pinnedCsi": nullable({"type": "string", "minLength": 1,
                                               "maxLength": 20}),
                        "locked": {"type": "boolean"}}}}}},
                "responses": {**ok("The destination as now stored.", "Destination"),
                              "400": error("A bad number or body."), **ADMIN_401,
                              "415": error("Not application/json.")}}},
}

SCHEMAS = {
    "Destination": {"type": "object", "required": ["number", "remote", "lastWorked", "next",
                                                   "locked", "trouble"], "properties": {
        "number": {"type": "string", "description": "Digits (E.164 without its +)."},
        "remote": {"type": "object", "properties": {
            "csi": _STR, "nsf": _STR, "vendor": _STR,
            "capabilities": {"type": "array", "items": {"type": "string"}}},
            "description": "The far machine at the last call: CSI, NSF (hex) and the maker it "
                           "names where known, DIS capabilities."},
        "lastWorked": {"type": "object", "properties": {
            "bitRate": _INT, "coding": _STR, "ecm": nullable({"type": "boolean"})}},
        "next": {"type": "object", "properties": {
            "startBitRate": _INT, "ecm": {"type": "boolean"}, "pinnedCsi": _STR},
            "description": "What the next call starts from, and the CSI a fax with "
                           "verifyRecipient must meet."},
        "locked": {"type": "boolean"},
        "calls": {"type": "integer"}, "successes": {"type": "integer"},
        "trouble": {"type": "object", "properties": {"tcf": _TROUBLE, "v17": _TROUBLE,
                                                     "ecm": _TROUBLE}},
        "lastCallOn": nullable(TS), "lastSuccessOn": nullable(TS), "updatedOn": nullable(TS)}},
    "DestinationList": {"type": "object", "required": ["destinations", "nextAfter"],
                        "properties": {"destinations": {"type": "array",
                                                        "items": ref("Destination")},
                                       "nextAfter": _STR}},
}
