"""Local-stack tooling (composition, like workers/): the stack the launcher and the tests run,
the launcher (``python -m devstack``), the demo and its data, the SMTP mail sink and the recorder
CLI. Nothing under core/, workflows/, schema/, activities/ or api/ imports it.
"""
