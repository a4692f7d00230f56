"""What every layer shares, at the bottom of the stack: it imports none of the others.

- `msgs`: every message that crosses the bus (the schema)
- `errors`: the stack's typed errors (`RobotError` and its kinds)
- `profile`: robot profiles, and `descriptions/`: each arm's profile and URDF
- `calibration`: the calibration file format (servo ticks <-> joint radians)
- `scenes`: the scenes' names, the contract between the brain and the twin
- `toml_file`: typed TOML loading; `processes`: how child processes start and end

The layers above, in order: `firmware_bridge` (bytes on a servo bus), `sim` (the
twin), `robot` (brain, cerebellum, limbs, the `robot` command), then the tools
`models` and `benchmarks`. Each imports only those below it
(`tests/test_import_graph.py`).
"""
