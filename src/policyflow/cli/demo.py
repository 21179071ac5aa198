"""`policyflow demo`: the main job."""
