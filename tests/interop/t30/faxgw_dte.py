"""faxgw as the DTE on a hw-sim modem: one send or receive session, in this process."""

from __future__ import annotations

import numpy as np
from PIL import Image

from faxgw.modem.pages import ImagePages, fit_page
from faxgw.page_decoder import G3Decoder
from faxgw.modem.class1.session import Class1Config, receive_fax, send_fax
from faxgw.modem.device import open_modem
from faxgw.session import PageFormat, ReceivedPage, Resolution, SessionResult
from faxgw.t30.negotiate import LocalCapabilities

PROFILE = "hwsim-class1"


def images_of(inks: list[np.ndarray]) -> list[Image.Image]:
    return [Image.fromarray(~ink) for ink in inks]


def sent_ink(ink: np.ndarray, resolution: Resolution, result: SessionResult) -> np.ndarray:
    """What faxgw put on the line for a page: the document fitted to the agreed format."""
    fmt = PageFormat(result.coding, result.resolution, result.width_px, result.min_scan_ms,
                     result.bit_rate)
    return ~np.asarray(fit_page(Image.fromarray(~ink), resolution, fmt), dtype=bool)


async def faxgw_send(device: str, number: str, inks: list[np.ndarray], resolution: Resolution,
                     ident: str = "1001", confirmed: list | None = None,
                     local: LocalCapabilities | None = None) -> SessionResult:
    pages = ImagePages(images_of(inks), resolution)
    config = Class1Config(local=local or LocalCapabilities(ident=ident))
    async with open_modem(device, PROFILE) as modem:
        callback = confirmed.append if confirmed is not None else None
        return await send_fax(modem.class1_link(), number, pages, config, callback)


async def faxgw_receive(device: str, ident: str = "1002", ring_timeout_s: float = 60,
                        local: LocalCapabilities | None = None
                        ) -> tuple[SessionResult, list[ReceivedPage]]:
    pages: list[ReceivedPage] = []
    config = Class1Config(local=local or LocalCapabilities(ident=ident))
    async with open_modem(device, PROFILE) as modem:
        await modem.wait_for_ring(ring_timeout_s)
        result = await receive_fax(modem.class1_link(), config, G3Decoder(), pages.append)
    return result, pages


def ink_of(page: ReceivedPage) -> np.ndarray:
    return ~np.asarray(page.image, dtype=bool)
