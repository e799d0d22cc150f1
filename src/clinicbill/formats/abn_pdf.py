"""The Advance Beneficiary Notice of Non-coverage (ABN, form CMS-R-131) as a PDF: notifier,
patient, the services Medicare may not pay for with the reason and estimated cost, the three
options, and the signature lines."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import inch
from reportlab.platypus import Spacer

from clinicbill.formats.pdf import build, grid_table, para

OPTIONS = (
    "OPTION 1. I want the {d} listed above. You may ask to be paid now, but I also want "
    "Medicare billed for an official decision on payment, which is sent to me on a Medicare "
    "Summary Notice (MSN). I understand that if Medicare doesn't pay, I am responsible for "
    "payment, but I can appeal to Medicare by following the directions on the MSN. If Medicare "
    "does pay, you will refund any payments I made to you, less co-pays or deductibles.",
    "OPTION 2. I want the {d} listed above, but do not bill Medicare. You may ask to be paid now "
    "as I am responsible for payment. I cannot appeal if Medicare is not billed.",
    "OPTION 3. I don't want the {d} listed above. I understand with this choice I am not "
    "responsible for payment, and I cannot appeal to see if Medicare would pay.",
)


def render_abn(path: str | Path, notifier: list[str], patient: str, account: str, rows) -> Path:
    """rows: (service, reason, estimated cost) tuples."""
    d = "services"
    story = [
        para("A. Notifier: " + " / ".join(notifier)),
        para(f"B. Patient Name: {patient}    C. Identification Number: {account}"),
        Spacer(1, 0.1 * inch),
        para("Advance Beneficiary Notice of Non-coverage (ABN)", "title"),
        para(
            f"NOTE: If Medicare doesn't pay for D. {d} below, you may have to pay. Medicare "
            "does not pay for everything, even some care that you or your health care provider "
            f"have good reason to think you need. We expect Medicare may not pay for the D. {d} "
            "below."
        ),
        Spacer(1, 0.1 * inch),
        grid_table(
            [
                ("D. Services", "E. Reason Medicare May Not Pay", "F. Estimated Cost"),
                *((para(svc, "cell"), para(why, "cell"), cost) for svc, why, cost in rows),
            ],
            col_widths=[2.2 * inch, 3.3 * inch, 1.5 * inch],
            right_cols=(2,),
        ),
        Spacer(1, 0.1 * inch),
        para("WHAT YOU NEED TO DO NOW:"),
        para("Read this notice, so you can make an informed decision about your care."),
        para("Ask us any questions that you may have after you finish reading."),
        para(
            f"Choose an option below about whether to receive the D. {d} listed above. Note: "
            "If you choose Option 1 or 2, we may help you to use any other insurance that you "
            "might have, but Medicare cannot require us to do this."
        ),
        para("G. OPTIONS: Check only one box. We cannot choose a box for you."),
        *(para("[  ] " + option.format(d=d)) for option in OPTIONS),
        para(
            "H. Additional Information: This notice gives our opinion, not an official "
            "Medicare decision. If you have other questions on this notice or Medicare billing, "
            "call 1-800-MEDICARE (1-800-633-4227/TTY: 1-877-486-2048). Signing below means that "
            "you have received and understand this notice. You also receive a copy."
        ),
        Spacer(1, 0.2 * inch),
        para("I. Signature: ______________________________    J. Date: ______________"),
    ]
    return build(path, story, "Advance Beneficiary Notice of Non-coverage", "Form CMS-R-131")
