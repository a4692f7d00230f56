"""The byte level: servo protocols, serial transport, bring-up tools, a virtual servo bus.

- `dynamixel`, `feetech`: packets, checksums, status errors of each protocol
- `control_tables`: registers per servo model, as data
- `transport`: a serial port with timeouts from the baud rate; `ports`: port discovery
- `servo_bus`: transactions with retries and resynchronisation (`DynamixelBus`, `FeetechBus`)
- `virtual_servo`, `servo_model`, `virtual_bus`: emulated servos on a pseudo-terminal
- `setup_tools`: scan, set-id, set-baud, flash, and the readings a calibration needs

It sits just above `core` and imports nothing else of the stack. The `robot servo`
command that drives these tools is CLI glue in `robot.servo`: its `calibrate` needs the
robot profile and the calibration file format, its `emulate --twin` serves the twin.
"""
