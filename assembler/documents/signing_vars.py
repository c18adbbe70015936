"""The variables of the signing packet's cover page (`pdpacket sign`): described once, here, for
`templates vars` and the template check; assembler/sign/covers.py fills them."""
from __future__ import annotations

from assembler.documents.variables import Var, text
from assembler.vocab import SIGNING_ROLES


def signing_variables() -> dict[str, Var]:
    return {
        "signer": Var("mapping", None, {
            "name": text("María José García López"),
            "language": text("Spanish", "the language of the instructions (English when unknown)"),
            "copy": Var("number", 1, doc="this signer's section of the packet, as the page codes give it"),
        }, doc="signing cover: who signs"),
        "to_sign": Var("list", None, item=Var("mapping", None, {
            "title": text("Declaration of María José García López, respondent", "as in the index of exhibits"),
            "label": text("Declaration of María José García López"),
            "role": text("declarant", "declarant, interpreter, translator, client or attorney"),
            "pages": Var("number", 2, doc="the document's pages (all of them follow the cover)"),
            "sign_page": Var("number", 1, doc="the page of the document that holds this signer's line"),
            "where": text("Part 3, signature of client", "for a form: where on the page; else empty"),
        }), doc="signing cover: the documents this signer signs, in the order they follow the cover"),
        "pages_total": Var("number", 4, doc="signing cover: the pages that follow this cover"),
    }


SIGNING_VARIABLE_ROLES = frozenset(SIGNING_ROLES)
