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


JSON_MODEL = {
    "metadata": {"protocol": "json", "awsQueryCompatible": {}},
    "operations": {"Get": {"name": "Get", "output": {"shape": "GetResult"}}},
    "shapes": {
        "GetResult": {"type": "structure", "members": {"Items": {"shape": "Items"}}},
        "Items": {"type": "list", "member": {"shape": "String"}, "flattened": True},
        "Gone": {"type": "structure", "members": {}, "exception": True},
        "String": {"type": "string"},
    },
}
QUERY_TRAITS = {"query": {
    "metadata": {"xmlNamespace": "http://example/doc/"},
    "operations": {"Get": {"output": {"resultWrapper": "GetResult"}}},
    "shapes": {
        "GetResult": {"members": {"Items": {"locationName": "Item"}}},
        "Items": {"member": {"locationName": "Item"}},
        "Gone": {"error": {"code": "AWS.Example.Gone", "httpStatusCode": 400}},
    },
}}


class QueryTraits(unittest.TestCase):
    def test_a_query_compatible_json_model_gains_the_traits(self):
        model = copy.deepcopy(JSON_MODEL)
        self.assertEqual(apply_overlay(model, QUERY_TRAITS), [])
        self.assertEqual(model["metadata"]["xmlNamespace"], "http://example/doc/")
        self.assertEqual(model["operations"]["Get"]["output"],
                         {"shape": "GetResult", "resultWrapper": "GetResult"})
        self.assertEqual(model["shapes"]["Items"]["member"],
                         {"shape": "String", "locationName": "Item"})
        self.assertEqual(model["shapes"]["Gone"]["error"]["code"], "AWS.Example.Gone")

    def test_a_query_model_keeps_its_own(self):
        model = copy.deepcopy(JSON_MODEL)
        model["metadata"] = {"protocol": "query"}
        before = copy.deepcopy(model)
        notes = apply_overlay(model, QUERY_TRAITS)
        self.assertEqual(model, before)
        self.assertIn("has its own query traits", notes[0])

    def test_the_model_wins_on_a_differing_trait(self):
        model = copy.deepcopy(JSON_MODEL)
        model["shapes"]["Items"]["member"]["locationName"] = "Entry"
        notes = apply_overlay(model, QUERY_TRAITS)
        self.assertEqual(model["shapes"]["Items"]["member"]["locationName"], "Entry")
        self.assertEqual(len(notes), 1)

    def test_traits_never_add_api(self):
        cases = [
            {"operations": {"Nope": {"output": {"resultWrapper": "X"}}}},
            {"shapes": {"Nope": {"error": {"code": "X"}}}},
            {"shapes": {"GetResult": {"members": {"Nope": {"locationName": "X"}}}}},
            {"shapes": {"Items": {"members": {"A": {"locationName": "X"}}}}},
            {"unknown": {}},
        ]
        for query in cases:
            with self.subTest(query=query), self.assertRaises(ValueError):
                apply_overlay(copy.deepcopy(JSON_MODEL), {"query": query})
        plain_json = copy.deepcopy(JSON_MODEL)
        del plain_json["metadata"]["awsQueryCompatible"]
        with self.assertRaises(ValueError):
            apply_overlay(plain_json, QUERY_TRAITS)


if __name__ == "__main__":
    unittest.main()
