"""Remittance rules beyond posting arithmetic: denials and crossovers held with a payer
(holds.py), and whether an 835 or a paper EOB is for this practice and this claim's payer
(payer_checks.py). domain/remittance/posting.py and domain/remittance/posting_plan.py apply them.
"""
