"""The live view in Foxglove and the Foxglove channels of recordings (docs/live-view.md).

- `foxglove_messages`: bus messages as Foxglove's well-known messages, for both;
- `urdf_frames`: each link's transform from the URDF at a joint position;
- `server`: `LiveView`, the node serving the bus through the SDK's WebSocket server;
- `gate`: the front that applies the kiosk's access rules to each handshake;
- `setup`: wiring from a launch file (with the twin's camera feed, robot/camera_feed.py);
- `layout`: the layout shipped in deploy/foxglove-layout.json.
"""
