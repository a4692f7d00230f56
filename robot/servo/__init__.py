"""`robot servo`: bring-up of a servo bus, the command-line glue over `firmware_bridge`.

It lives in `robot`, the top layer, because `calibrate` and `emulate --twin` need the
layers below the bytes; `firmware_bridge` itself imports nothing but `core`.
"""
