"""`python -m policyflow`: the command line."""

from policyflow.cli import main

main()
