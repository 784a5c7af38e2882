"""The built-in hw-sim bank: what ``faxgw demo`` and a config without ``[[modem]]`` get.

Some simulated modems for faxgw to dial out on, and one more answering as a fax machine at
``FAX_MACHINE_NUMBER`` (faxgw's own receiver on that modem: no root, no other program).
The simulated exchange is a North American one: ``+1 555 0100`` and ``5550100`` both reach
the fax machine. The bank runs in its own thread (hw-sim's design); the daemon opens its
pseudo-terminals like any serial port.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from faxgw.config import Config, DialPlanConfig, ModemConfig

log = logging.getLogger("faxgw.scheduler.simbank")

FAX_MACHINE_NUMBER = "5550100"
FAX_MACHINE_E164 = "+15550100"
SIM_COUNTRY_CODE = "1"
FIRST_LINE_NUMBER = 5550101
PROFILE = "hwsim-class1"


def _import_hwsim():
    """hw-sim is installed beside faxgw (pyproject); in a source tree it is the hw-sim/
    folder next to faxgw/, which a hyphen keeps from being importable by itself."""
    try:
        import hwsim
    except ModuleNotFoundError:
        tree = Path(__file__).resolve().parents[2] / "hw-sim"
        if not (tree / "hwsim").is_dir():
            raise
        sys.path.append(str(tree))
        import hwsim
    return hwsim


class SimulatedBank:
    def __init__(self, config: Config) -> None:
        ModemBank = _import_hwsim().ModemBank  # only when a simulated bank is wanted

        self.bank = ModemBank(timing=config.scheduler.simulated_timing).start()
        self.modems: list[ModemConfig] = []
        self.idents: dict[str, str] = {}  # each simulated line sends its own number as TSI/CSI
        for i in range(config.scheduler.simulated_modems):
            info = self.bank.add_modem(str(FIRST_LINE_NUMBER + i), name=f"sim-out-{i + 1}")
            self.modems.append(ModemConfig(info.name, info.device, PROFILE, send=True,
                                           receive=False))
            self.idents[info.name] = f"+1 {info.number}"
        info = self.bank.add_modem(FAX_MACHINE_NUMBER, name="sim-fax")
        self.modems.append(ModemConfig(info.name, info.device, PROFILE, send=False,
                                       receive=True))
        self.idents[info.name] = f"+1 {FAX_MACHINE_NUMBER}"
        log.info("built-in hw-sim bank: %d outgoing modem(s), fax machine at %s (%s)",
                 config.scheduler.simulated_modems, FAX_MACHINE_E164, FAX_MACHINE_NUMBER)

    @staticmethod
    def dial_plan(configured: DialPlanConfig) -> DialPlanConfig:
        """The simulated exchange is in country 1 unless the config says otherwise."""
        if configured.country_code:
            return configured
        return DialPlanConfig(configured.outside_line_prefix, SIM_COUNTRY_CODE,
                              configured.national_prefix, configured.international_prefix)

    def close(self) -> None:
        self.bank.close()


def demo_instructions(base_url: str, key: str, state_dir: Path) -> str:
    """What ``faxgw demo`` tells a newcomer: where to fax, how to watch, where it lands."""
    return (
        f"A simulated fax machine answers at {FAX_MACHINE_E164}. Send it a PDF:\n"
        f"  curl -H 'Authorization: Bearer {key}' -F phoneNumber={FAX_MACHINE_E164} "
        f"-F document=@some.pdf {base_url}/fax\n"
        f"Watch it (FaxSent within a minute):\n"
        f"  curl -H 'Authorization: Bearer {key}' {base_url}/fax/<faxId>\n"
        f"What the fax machine printed lands in your received faxes:\n"
        f"  curl -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' "
        f"-d '{{}}' {base_url}/received/search\n"
        f"  curl -H 'Authorization: Bearer {key}' -o fax.pdf {base_url}/received/<receivedId>/pdf\n"
        f"(and on disk: {state_dir}/received/<receivedId>/fax.pdf)\n")
