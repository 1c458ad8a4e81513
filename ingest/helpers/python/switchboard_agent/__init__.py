"""Switchboard agent helpers for Python (docs/contract.md, "Agent helpers")."""

from .follow import PromptFollower, PromptProblem, follow_prompt
from .record import ActivePrompt

__all__ = ["ActivePrompt", "PromptFollower", "PromptProblem", "follow_prompt"]
