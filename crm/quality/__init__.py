"""Data quality: stored records that break a rule new input must satisfy, listed for officers to fix."""
