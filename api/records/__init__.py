"""The business-data API (issue 12, Build 1): one controller factory over record specs."""
