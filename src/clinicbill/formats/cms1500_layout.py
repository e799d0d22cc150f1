"""Where each CMS-1500 (02/12) value goes on the NUCC print grid: 10 characters per inch, 6 lines
per inch, line 1 at the top of the page and column 1 at the left of the form (the positions
used by practice-management systems that print onto the red pre-printed form).

Positions are (line, column, width); the keys are those of formats/claim_table.py.
"""

from __future__ import annotations

LINE_PT = 12.0  # 6 lines per inch
COLUMN_PT = 7.2  # 10 characters per inch
LEFT_PT = 24.0  # the form's column 1 from the page's left edge
TOP_PT = 20.0  # the form's line 1 from the page's top edge
PAGE_HEIGHT_PT = 792.0  # US Letter
LINES_PER_PAGE = 6

# Claim-level text: key -> (line, column, width)
TEXT = {
    "payer": (2, 41, 38),
    "payer_street": (3, 41, 38),
    "payer_city": (4, 41, 38),
    "1a": (8, 50, 29),
    "2": (10, 1, 28),
    "3_dob": (10, 31, 10),
    "4": (10, 50, 29),
    "5_street": (12, 1, 28),
    "7_street": (12, 50, 29),
    "5_city": (14, 1, 23),
    "5_state": (14, 26, 3),
    "7_city": (14, 50, 23),
    "7_state": (14, 74, 3),
    "5_zip": (16, 1, 12),
    "5_phone": (16, 15, 14),
    "7_zip": (16, 50, 12),
    "9": (18, 1, 28),
    "11": (18, 50, 29),
    "9a": (20, 1, 28),
    "11a_dob": (20, 53, 10),
    "10b_state": (22, 46, 2),
    "11b_qualifier": (22, 50, 2),
    "11b": (22, 53, 26),
    "11c": (24, 50, 29),
    "9d": (26, 1, 28),
    "12": (29, 7, 17),
    "13": (29, 55, 17),
    "14": (32, 2, 10),
    "14_qualifier": (32, 25, 3),
    "15_qualifier": (32, 36, 3),
    "15": (32, 40, 10),
    "17_qualifier": (34, 1, 2),
    "17": (34, 4, 25),
    "17b": (34, 33, 10),
    "21_ind": (37, 42, 1),
    "22_code": (38, 50, 10),
    "22_reference": (38, 62, 17),
    "23": (40, 50, 29),
    "25": (56, 1, 15),
    "26": (56, 23, 14),
    "28": (56, 52, 8),
    "29": (56, 62, 8),
    "33_phone": (57, 65, 14),
    "32": (58, 23, 26),
    "33": (58, 50, 29),
    "32_street": (59, 23, 26),
    "33_street": (59, 50, 29),
    "31": (60, 1, 21),
    "32_city": (60, 23, 26),
    "33_city": (60, 50, 29),
    "31_date": (61, 6, 10),
    "32a": (61, 23, 10),
    "33a": (61, 50, 10),
    "33b": (61, 63, 16),
}
for _i in range(12):  # box 21 A-L: three rows of four, 13 columns apart
    TEXT[f"21{chr(65 + _i)}"] = (38 + _i // 4, 3 + 13 * (_i % 4), 8)

# The longest value each box takes without losing a character (NUCC 1500 field lengths;
# names and addresses as long as the 837P allows): longer than the box, a value is printed in
# a smaller font or on two lines (formats/cms1500.py), never cut.
NUCC_LENGTH = {
    **{key: width for key, (_line, _column, width) in TEXT.items()},
    "payer": 60,
    "2": 60,
    "4": 60,
    "5_street": 55,
    "7_street": 55,
    "9": 60,
    "11c": 60,
    "17": 60,
    "31": 60,
    "32": 60,
    "32_street": 55,
    "32_city": 60,
    "33": 60,
    "33_street": 55,
    "33_city": 60,
}

# Check boxes: key -> (line, {value: column})
CHECKS = {
    "1": (
        8,
        {
            "MEDICARE": 1,
            "MEDICAID": 8,
            "TRICARE": 15,
            "CHAMPVA": 24,
            "GROUP HEALTH PLAN": 31,
            "FECA": 39,
            "OTHER": 45,
        },
    ),
    "3_sex": (10, {"M": 42, "F": 47}),
    "6": (12, {"SELF": 33, "SPOUSE": 38, "CHILD": 42, "OTHER": 47}),
    "10a": (20, {"YES": 35, "NO": 41}),
    "11a_sex": (20, {"M": 68, "F": 75}),
    "10b": (22, {"YES": 35, "NO": 41}),
    "10c": (24, {"YES": 35, "NO": 41}),
    "11d": (26, {"YES": 52, "NO": 57}),
    "25_type": (56, {"SSN": 17, "EIN": 19}),
    "27": (56, {"YES": 38, "NO": 43}),
}

# Service line values: key -> (column, width); row n (1..6) prints on line 42 + 2n.
LINE_TEXT = {
    "24A_from": (1, 8),
    "24A_to": (10, 8),
    "24B": (19, 2),
    "24C": (23, 1),
    "24D_code": (25, 6),
    "24D_modifiers": (33, 11),
    "24E": (45, 4),
    "24F": (50, 8),
    "24G": (59, 3),
    "24H": (63, 2),
    "24J": (68, 10),
}
RIGHT_ALIGNED = {"24F", "24G", "28", "29"}


def line_of_row(row: int) -> int:
    """The data line of service row 1..6 (the shaded supplemental line is the one above)."""
    return 42 + 2 * row


def x_of(column: float) -> float:
    return LEFT_PT + (column - 1) * COLUMN_PT


def baseline_of(line: float) -> float:
    """The text baseline of a grid line (PDF points from the bottom of the page)."""
    return PAGE_HEIGHT_PT - TOP_PT - line * LINE_PT + 3.0


def top_of(line: float) -> float:
    return PAGE_HEIGHT_PT - TOP_PT - (line - 1) * LINE_PT


def grid_position(x: float, y: float) -> tuple[int, int]:
    """(line, column) of a text origin: the inverse of x_of/baseline_of (tests read PDFs)."""
    column = round((x - LEFT_PT) / COLUMN_PT) + 1
    line = round((PAGE_HEIGHT_PT - TOP_PT + 3.0 - y) / LINE_PT)
    return line, column


# Form boxes drawn in the default (review) mode: (label, top line, bottom line, left col, right col)
BOXES = [
    ("1. TYPE OF INSURANCE", 7, 8, 1, 49),
    ("1a. INSURED'S I.D. NUMBER", 7, 8, 50, 79),
    ("2. PATIENT'S NAME (Last Name, First Name, Middle Initial)", 9, 10, 1, 29),
    ("3. PATIENT'S BIRTH DATE (MM DD YYYY)   SEX", 9, 10, 30, 49),
    ("4. INSURED'S NAME (Last Name, First Name, Middle Initial)", 9, 10, 50, 79),
    ("5. PATIENT'S ADDRESS (No., Street)", 11, 12, 1, 29),
    ("6. PATIENT RELATIONSHIP TO INSURED", 11, 12, 30, 49),
    ("7. INSURED'S ADDRESS (No., Street)", 11, 12, 50, 79),
    ("CITY", 13, 14, 1, 24),
    ("STATE", 13, 14, 25, 29),
    ("8. RESERVED FOR NUCC USE", 13, 16, 30, 49),
    ("CITY", 13, 14, 50, 72),
    ("STATE", 13, 14, 73, 79),
    ("ZIP CODE", 15, 16, 1, 13),
    ("TELEPHONE (Include Area Code)", 15, 16, 14, 29),
    ("ZIP CODE", 15, 16, 50, 63),
    ("TELEPHONE (Include Area Code)", 15, 16, 64, 79),
    ("9. OTHER INSURED'S NAME", 17, 18, 1, 29),
    ("10. IS PATIENT'S CONDITION RELATED TO:", 17, 18, 30, 49),
    ("11. INSURED'S POLICY GROUP OR FECA NUMBER", 17, 18, 50, 79),
    ("a. OTHER INSURED'S POLICY OR GROUP NUMBER", 19, 20, 1, 29),
    ("a. EMPLOYMENT? (Current or Previous)", 19, 20, 30, 49),
    ("a. INSURED'S DATE OF BIRTH   SEX", 19, 20, 50, 79),
    ("b. RESERVED FOR NUCC USE", 21, 22, 1, 29),
    ("b. AUTO ACCIDENT?   PLACE (State)", 21, 22, 30, 49),
    ("b. OTHER CLAIM ID (Designated by NUCC)", 21, 22, 50, 79),
    ("c. RESERVED FOR NUCC USE", 23, 24, 1, 29),
    ("c. OTHER ACCIDENT?", 23, 24, 30, 49),
    ("c. INSURANCE PLAN NAME OR PROGRAM NAME", 23, 24, 50, 79),
    ("d. INSURANCE PLAN NAME OR PROGRAM NAME", 25, 26, 1, 29),
    ("10d. CLAIM CODES (Designated by NUCC)", 25, 26, 30, 49),
    ("d. IS THERE ANOTHER HEALTH BENEFIT PLAN?", 25, 26, 50, 79),
    ("12. PATIENT'S OR AUTHORIZED PERSON'S SIGNATURE (release of information)", 27, 30, 1, 49),
    ("13. INSURED'S OR AUTHORIZED PERSON'S SIGNATURE (payment of benefits)", 27, 30, 50, 79),
    ("14. DATE OF CURRENT ILLNESS, INJURY, or PREGNANCY (LMP)  QUAL.", 31, 32, 1, 29),
    ("15. OTHER DATE  QUAL.", 31, 32, 30, 49),
    ("16. DATES PATIENT UNABLE TO WORK IN CURRENT OCCUPATION", 31, 32, 50, 79),
    ("17. NAME OF REFERRING PROVIDER OR OTHER SOURCE", 33, 34, 1, 28),
    ("17a. / 17b. NPI", 33, 34, 29, 49),
    ("18. HOSPITALIZATION DATES RELATED TO CURRENT SERVICES", 33, 34, 50, 79),
    ("19. ADDITIONAL CLAIM INFORMATION (Designated by NUCC)", 35, 36, 1, 49),
    ("20. OUTSIDE LAB?   $ CHARGES", 35, 36, 50, 79),
    ("21. DIAGNOSIS OR NATURE OF ILLNESS OR INJURY (Relate A-L to 24E)  ICD Ind.", 37, 40, 1, 49),
    ("22. RESUBMISSION CODE  ORIGINAL REF. NO.", 37, 38, 50, 79),
    ("23. PRIOR AUTHORIZATION NUMBER", 39, 40, 50, 79),
    ("24. A. DATE(S) OF SERVICE  From MM DD YY  To MM DD YY", 41, 42, 1, 18),
    ("B. PLACE OF SERVICE", 41, 42, 19, 21),
    ("C. EMG", 41, 42, 22, 24),
    ("D. PROCEDURES, SERVICES, OR SUPPLIES  CPT/HCPCS  MODIFIER", 41, 42, 25, 44),
    ("E. DIAGNOSIS POINTER", 41, 42, 45, 49),
    ("F. $ CHARGES", 41, 42, 50, 58),
    ("G. DAYS OR UNITS", 41, 42, 59, 62),
    ("H. EPSDT", 41, 42, 63, 64),
    ("I. ID QUAL.", 41, 42, 65, 67),
    ("J. RENDERING PROVIDER ID. #", 41, 42, 68, 79),
    ("25. FEDERAL TAX I.D. NUMBER", 55, 56, 1, 21),
    ("26. PATIENT'S ACCOUNT NO.", 55, 56, 22, 36),
    ("27. ACCEPT ASSIGNMENT?", 55, 56, 37, 49),
    ("28. TOTAL CHARGE", 55, 56, 50, 60),
    ("29. AMOUNT PAID", 55, 56, 61, 70),
    ("30. Rsvd for NUCC Use", 55, 56, 71, 79),
    ("31. SIGNATURE OF PHYSICIAN OR SUPPLIER INCLUDING DEGREES OR CREDENTIALS", 57, 62, 1, 21),
    ("32. SERVICE FACILITY LOCATION INFORMATION", 57, 62, 22, 49),
    ("33. BILLING PROVIDER INFO & PH #", 57, 62, 50, 79),
]
# Box 24's column headers: their labels may use the whole header box (no data inside).
HEADERS = {label for label, top, _b, _l, _r in BOXES if top == 41}
# Sub-cells at the foot of boxes 32 and 33: (label, line, left col, right col).
SUB_CELLS = [
    ("a.", 61, 22, 33),
    ("b.", 61, 34, 49),
    ("a.", 61, 50, 62),
    ("b.", 61, 63, 79),
]
# Column dividers inside each service row of box 24 (the left edges of B..J).
LINE_DIVIDERS = (19, 22, 25, 45, 50, 59, 63, 65, 68)
