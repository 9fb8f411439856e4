"""Every workflow class the agent worker registers (and the replay tests replay)."""

from workflows.operation.workflow import AutonomousOperationWorkflow

WORKFLOWS = [AutonomousOperationWorkflow]
