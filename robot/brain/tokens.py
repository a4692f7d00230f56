"""The text of each token id, as the grammar mask needs it, for common tokenizer kinds."""

from __future__ import annotations

import json

from tokenizers import Tokenizer


def _byte_decoder() -> dict[str, int]:
    """Inverse of GPT-2's bytes-to-unicode table used by byte-level BPE."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(printable, chars, strict=True)}


def token_texts(tokenizer: Tokenizer, vocab_size: int) -> list[str | None]:
    """Text per token id; None for special tokens and pieces that are not whole UTF-8."""
    spec = json.loads(tokenizer.to_str())
    decoder = spec.get("decoder") or {}
    kinds = {decoder.get("type")} | {d.get("type") for d in decoder.get("decoders", []) or []}
    byte_level = "ByteLevel" in kinds
    metaspace = "Metaspace" in kinds or "Replace" in kinds
    special = {t["id"] for t in spec.get("added_tokens", []) if t.get("special")}
    added = {t["id"]: t["content"] for t in spec.get("added_tokens", [])}
    bytes_of = _byte_decoder()
    out: list[str | None] = []
    for tid in range(vocab_size):
        if tid in special:
            out.append(None)
            continue
        if tid in added:
            out.append(added[tid])
            continue
        piece = tokenizer.id_to_token(tid)
        if piece is None:
            out.append(None)
            continue
        if byte_level:
            try:
                out.append(bytes(bytes_of[c] for c in piece).decode("utf-8"))
            except (KeyError, UnicodeDecodeError):
                out.append(None)
        elif metaspace:
            out.append(piece.replace("▁", " "))
        else:
            out.append(piece)
    return out
