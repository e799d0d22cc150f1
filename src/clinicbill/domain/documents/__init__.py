"""What goes on each patient document (superbill, statement, receipt, estimate).

formats/ draws them.
"""
