"""A small category file in FineGym's format (invented names): 8 elements,
5 sets (1; 21, 22; 31; 41), 4 events (VT, FX, BB, UB)."""

CATEGORIES = """\
Clabel: 0; set: 1; Glabel: 1; (VT) round-off, flic-flac on, salto off
Clabel: 1; set: 1; Glabel: 3; (VT) handspring on, salto forward off
Clabel: 2; set: 21; Glabel: 10; (FX) switch leap with 0.5 turn
Clabel: 3; set: 22; Glabel: 20; (FX) salto backward tucked
Clabel:   4; set: 22; Glabel: 21; (FX) salto backward stretched
Clabel: 5; set: 31; Glabel: 40; (BB) split jump
Clabel: 6; set: 41; Glabel: 60; (UB) giant circle backward
Clabel: 7; set: 41; Glabel: 61; (UB) giant circle backward
"""
ELEMENT_TO_SET = [0, 0, 1, 2, 2, 3, 4, 4]
SET_TO_EVENT = [0, 1, 1, 2, 3]


def write_categories(path, text=CATEGORIES):
    path.write_text(text)
    return str(path)
