-- The aging aggregate as one raw SQL query (SQLite): open balance per responsible party in
-- 0-30/31-60/61-90/91-120/120+ day buckets by date of service, as of :as_of. It is the
-- "raw SQL" half of the aging floor in benchmarks/run.py (SPEC §5): the CLI's `aging` may
-- cost at most 2 x (python -c "import sqlmodel" + this query).
WITH totals AS (
    SELECT service_line_id,
           SUM(CASE WHEN kind IN ('insurance_payment', 'patient_payment', 'adjustment')
                    THEN amount_cents ELSE 0 END) AS reduced,
           MAX(CASE WHEN remittance_claim_id IS NOT NULL OR kind = 'patient_responsibility'
                    THEN 1 ELSE 0 END) AS adjudicated
    FROM ledgerentry
    WHERE effective_date <= :as_of
    GROUP BY service_line_id
),
open_lines AS (
    SELECT sl.charge_cents - COALESCE(t.reduced, 0) AS balance,
           julianday(:as_of) - julianday(e.service_date) AS age,
           CASE WHEN e.policy_id IS NULL OR COALESCE(t.adjudicated, 0) = 1
                THEN NULL ELSE p.payer_id END AS payer_id
    FROM serviceline sl
    JOIN encounter e ON e.id = sl.encounter_id
    LEFT JOIN policy p ON p.id = e.policy_id
    LEFT JOIN totals t ON t.service_line_id = sl.id
    WHERE e.status = 'signed' AND e.service_date <= :as_of
)
SELECT payer_id,
       SUM(CASE WHEN age <= 30 THEN balance ELSE 0 END) AS b0_30,
       SUM(CASE WHEN age > 30 AND age <= 60 THEN balance ELSE 0 END) AS b31_60,
       SUM(CASE WHEN age > 60 AND age <= 90 THEN balance ELSE 0 END) AS b61_90,
       SUM(CASE WHEN age > 90 AND age <= 120 THEN balance ELSE 0 END) AS b91_120,
       SUM(CASE WHEN age > 120 THEN balance ELSE 0 END) AS b120_plus,
       SUM(balance) AS total
FROM open_lines
WHERE balance <> 0
GROUP BY payer_id
ORDER BY payer_id;
