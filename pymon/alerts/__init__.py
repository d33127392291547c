"""Shared code of the alert programs in alerts/: mon's argv contract (ALRT-25),
Getopt::Std option parsing, and the Perl text helpers the original alerts
relied on. The scripts in alerts/ stay thin and call into these modules."""
