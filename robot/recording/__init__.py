"""Recording bus traffic to MCAP and replaying it (Foxglove opens the files)."""

from robot.recording.reader import RecordingInfo, read_info, read_messages
from robot.recording.recorder import Recorder
from robot.recording.replay import replay

__all__ = ["Recorder", "RecordingInfo", "read_info", "read_messages", "replay"]
