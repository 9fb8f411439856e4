"""Multi-step plans (issue 15 Build 6): operations in order as child workflows, one consent."""
