"""Annual-report workflow operations an officer performs (verify, return, correct)."""
