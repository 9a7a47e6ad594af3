"""Versioned enforcement-priority policy with reasons and protections (no Django)."""

from immigrationos.policy.errors import InvalidPolicyError, PolicyError
from immigrationos.policy.loader import Policy, default_policy_path, policy_load, policy_parse
from immigrationos.policy.scoring import PersonFacts, Priority, Reason, person_prioritise

__all__ = [
    "InvalidPolicyError",
    "PersonFacts",
    "Policy",
    "PolicyError",
    "Priority",
    "Reason",
    "default_policy_path",
    "person_prioritise",
    "policy_load",
    "policy_parse",
]
