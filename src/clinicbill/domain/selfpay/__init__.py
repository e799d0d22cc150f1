"""Self-pay revenue rules: memberships that bill themselves each period, payment plans,
(and, as they land) sliding-scale tiers, books and the cash forecast.

Modules: periods (calendar arithmetic, pure), memberships (plans, enrolment, pause, cancel),
membership_billing (period charges posted once, visits drawn), payment_plans.
"""
