"""Coverage of a visit: benefit verification, authorizations and referrals, plan-year visits."""
