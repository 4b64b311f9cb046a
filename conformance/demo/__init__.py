"""The bundled reference APIs, one per profile: real HTTP servers on 127.0.0.1 that keep every rule of
their document, and break chosen rules on purpose (``faults``) for tests and ``conformance demo --faulty``."""

from .server import FAULTY, PROFILES, DemoAPI, build_spec

__all__ = ["DemoAPI", "FAULTY", "PROFILES", "build_spec"]
