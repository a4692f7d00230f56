"""The byte level: servo protocols, serial transport, bring-up tools, a virtual servo bus.

- `dynamixel`, `feetech`: packets, checksums, status errors of each protocol
- `control_tables`: registers per servo model, as data
- `transport`: a serial port with timeouts from the baud rate; `ports`: port discovery
- `servo_bus`: transactions with retries and resynchronisation (`DynamixelBus`, `FeetechBus`)
- `virtual_servo`, `servo_model`, `virtual_bus`: emulated servos on a pseudo-terminal
- `setup_tools`, `cli`: `robot servo scan | set-id | set-baud | flash | calibrate | emulate`

This package never imports `robot` (it is the layer below), except the `calibrate`
step of the CLI, which needs the robot profile and calibration file format, and
`emulate --twin`, which serves the PyBullet twin (`sim.servo_twin`) on the bus; both
import them inside the step, so the rest never loads them.
"""
