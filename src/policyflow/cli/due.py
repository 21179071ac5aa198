"""`policyflow due`: a due date under Chinese law, explained."""
