"""Official code lists shipped as data, checked on the date of service.

icd_years.py  the ICD-10-CM billable codes of each shipped fiscal year (data/icd10cm/)
pos.py        the CMS place-of-service code set (data/place_of_service.toml)
"""
