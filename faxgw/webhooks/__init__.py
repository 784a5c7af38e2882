"""Webhooks: outbox events delivered as signed CloudEvents over HTTP.

envelope    the CloudEvents 1.0 JSON body of one event
signing     the Faxgw-Signature header and the reference verify()
url_policy  which endpoint URLs and addresses may be reached (SSRF, DNS rebinding)
backoff     when a failed delivery is retried and when it is given up
delivery    one POST of one event to one endpoint, and its attempt record
delivery_states  a delivery's states and the table of moves between them
"""
