"""Unit tests of overlay.py: how an overlay merges into a model (run by ctest
as overlay_merge_test; plain unittest, no third-party modules)."""
import copy
import unittest

from overlay import apply_overlay

BASE = {
    "operations": {"Old": {"name": "Old", "input": {"shape": "OldRequest"}}},
    "shapes": {
        "OldRequest": {"type": "structure", "members": {"A": {"shape": "String"}}},
        "String": {"type": "string"},
    },
}


class ApplyOverlay(unittest.TestCase):
    def setUp(self):
        self.model = copy.deepcopy(BASE)

    def test_adds_operations_shapes_and_members(self):
        notes = apply_overlay(self.model, {
            "operations": {"New": {"input": {"shape": "NewRequest"}, "errors": [{"shape": "Oops"}]}},
            "shapes": {
                "NewRequest": {"type": "structure", "members": {"B": {"shape": "String"}}},
                "Oops": {"type": "structure", "members": {}, "exception": True},
                "Count": {"type": "integer", "min": 2},
            },
            "members": {"OldRequest": {"C": {"shape": "Count"}}},
        })
        self.assertEqual(notes, [])
        new = self.model["operations"]["New"]
        self.assertEqual(new["name"], "New")
        self.assertEqual(new["http"], {"method": "POST", "requestUri": "/"})
        self.assertEqual(self.model["shapes"]["OldRequest"]["members"],
                         {"A": {"shape": "String"}, "C": {"shape": "Count"}})
        self.assertIn("Oops", self.model["shapes"])

    def test_the_model_wins_and_says_so(self):
        notes = apply_overlay(self.model, {
            "operations": {"Old": {"input": {"shape": "String"}}},
            "shapes": {"String": {"type": "blob"}},
            "members": {"OldRequest": {"A": {"shape": "String", "location": "header"}}},
        })
        self.assertEqual(self.model, BASE)
        self.assertEqual(len(notes), 3)
        self.assertIn("operation Old", notes[1])
        self.assertIn("member OldRequest.A", notes[2])

    def test_mistakes_fail_the_build(self):
        cases = [
            {"shape": {}},  # unknown section
            {"members": {"Nope": {"X": {"shape": "String"}}}},  # no such shape
            {"members": {"String": {"X": {"shape": "String"}}}},  # not a structure
            {"members": {"OldRequest": {"X": {"shape": "Missing"}}}},  # dangling reference
            {"operations": {"N": {"output": {"shape": "Missing"}}}},
            {"shapes": {"L": {"type": "list", "member": {"shape": "Missing"}}}},
        ]
        for overlay in cases:
            with self.subTest(overlay=overlay), self.assertRaises(ValueError):
                apply_overlay(copy.deepcopy(BASE), overlay)

    def test_documentation_is_allowed_anywhere(self):
        apply_overlay(self.model, {"documentation": "where the facts come from"})
        self.assertEqual(self.model, BASE)


if __name__ == "__main__":
    unittest.main()
