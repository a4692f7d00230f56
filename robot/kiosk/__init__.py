"""The expo kiosk: a local web page with the robot's view, safe requests and a STOP button."""

from robot.kiosk.server import Kiosk

__all__ = ["Kiosk"]
