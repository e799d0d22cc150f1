"""Reading the ICD-10-CM tabular XML (the CMS release shipped in simple-icd-10-cm): each
code's description, its inclusion terms and the 7th-character meanings it defines for its
extended codes. domain/codesets/icd.py builds its look-up index from these."""

from __future__ import annotations

from pathlib import Path


def tabular_descriptions(path: Path) -> tuple[dict, dict, dict]:
    """Descriptions, inclusion terms and each code's own 7th-character definitions, by dotted
    code."""
    import xml.etree.ElementTree as ET

    descriptions: dict[str, str] = {}
    sevenths: dict[str, dict[str, str]] = {}
    terms: dict[str, str] = {}
    frames: list[dict] = []  # open <diag> elements
    tags: list[str] = []
    last_char = None
    for event, elem in ET.iterparse(str(path), events=("start", "end")):
        if event == "start":
            tags.append(elem.tag)
            if elem.tag == "diag":
                frames.append({"name": None, "desc": None, "seven": {}, "terms": []})
            continue
        tags.pop()
        parent = tags[-1] if tags else None
        if elem.tag == "diag":
            frame = frames.pop()
            if frame["name"]:
                descriptions[frame["name"]] = frame["desc"] or ""
                if frame["seven"]:
                    sevenths[frame["name"]] = frame["seven"]
                if frame["terms"]:
                    terms[frame["name"]] = "; ".join(frame["terms"])
            elem.clear()
        elif parent == "diag" and frames and elem.tag in ("name", "desc"):
            frames[-1][elem.tag] = (elem.text or "").strip()
        elif parent == "inclusionTerm" and frames and elem.tag == "note" and elem.text:
            frames[-1]["terms"].append(" ".join(elem.text.split()))
        elif parent == "sevenChrDef" and frames:
            if elem.tag == "extension":
                last_char = elem.attrib.get("char")
                frames[-1]["seven"][last_char] = (elem.text or "").strip()
            elif elem.tag == "note" and last_char in frames[-1]["seven"] and elem.text:
                frames[-1]["seven"][last_char] += "/" + elem.text.strip()
    return descriptions, terms, sevenths
