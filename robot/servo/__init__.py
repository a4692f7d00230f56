"""`robot servo`: bring-up of a servo bus, the command-line glue over `firmware_bridge`.

- `cli`: the steps' arguments, and the steps that are bytes on a bus (ports, scan,
  set-id, set-baud, flash)
- `calibrate`: zero pose and travel per joint into a calibration file; needs the
  robot profile (`core.profile`) and the file format (`core.calibration`)
- `emulate`: a virtual servo bus on a pseudo-terminal; `--twin` serves the PyBullet
  twin's arm (`sim.servo_twin`), imported only then

It lives in `robot`, the top layer, because `calibrate` and `emulate --twin` need the
layers below the bytes; `firmware_bridge` itself imports nothing but `core`.
"""

PROTOCOLS = ("dynamixel", "feetech")
DEFAULT_BAUD = 1_000_000
