"""Integration health checks and credential rotation (issue 15 Builds 4, 5; seed 000 §1, seed
002 self-healing, seed 004 P2.4)."""
