import json

import pytest

from instructret.errors import InputError
from instructret.facets import load_vocabulary
from instructret.facets.vocabulary import FacetVocabulary


def small_vocab(**extra):
    data = {
        "name": "catalog",
        "fields": ["brand", "specs"],
        "families": {
            "kind": {"role": "topic", "label": "Kind", "values": {
                "camera": {"tags": ["kind::camera"], "label": "camera", "phrase": "cameras",
                           "requirement": "is a camera", "query": "camera"}}},
            "brand": {"role": "contrast", "label": "Brand", "values": {
                "sony": {"tags": ["brand::Sony"], "label": "Sony", "phrase": "Sony products",
                         "requirement": "is made by Sony", "evidence": r"\bsony\b"},
                "canon": {"tags": ["brand::Canon"], "label": "Canon", "phrase": "Canon products",
                          "requirement": "is made by Canon"}}},
        },
    }
    data.update(extra)
    return data


def test_packaged_debtags_vocabulary():
    v = load_vocabulary("debtags")
    assert v.name == "debtags" and "642 tags" in v.source
    assert set(v.families_with("contrast")) == {"interface", "uitoolkit", "implemented-in", "role", "network-side",
                                                "desktop"}
    assert len(v.families_with("topic")) == 12
    # x11 and graphical are one interface; shell joins the command line
    assert v.resolve(["interface::x11", "interface::graphical"])[0] == {"interface": frozenset({"graphical"})}
    assert v.resolve(["interface::shell"])[0] == {"interface": frozenset({"commandline"})}
    both = v.resolve(["interface::commandline", "interface::x11", "game::puzzle", "nosuch::tag"])[0]
    assert both == {"interface": frozenset({"commandline", "graphical"}), "game": frozenset({"puzzle"})}
    assert v.value("game", "adventure").requirement == "is an adventure game"
    assert v.value("game", "puzzle").query == "puzzle game"


def test_evidence_drops_values_the_text_does_not_show():
    v = load_vocabulary("debtags")
    facets, unseen = v.resolve(["implemented-in::python", "uitoolkit::qt"], "A Python tool for Qt desktops")
    assert facets == {"implemented-in": frozenset({"python"}), "uitoolkit": frozenset({"qt"})} and unseen == []
    facets, unseen = v.resolve(["implemented-in::python", "uitoolkit::qt"], "A tool for desktops")
    assert facets == {} and sorted(unseen) == ["implemented-in", "uitoolkit"]
    # C++ is not C, and "C" has no evidence pattern (descriptions rarely name it): the tag is trusted
    assert v.resolve(["implemented-in::c++"], "written in C")[0] == {}
    assert v.resolve(["implemented-in::c++"], "a C++ library")[0] == {"implemented-in": frozenset({"c++"})}
    assert v.resolve(["implemented-in::c"], "a tool")[0] == {"implemented-in": frozenset({"c"})}


def test_fields_of_every_shape():
    v = FacetVocabulary.model_validate(small_vocab())
    assert v.tags_of({"brand": "Sony", "specs": {"kind": "camera", "mp": 24}}) == [
        "brand::Sony", "kind::camera", "mp::24"]
    assert v.tags_of({"brand": ["Sony", "Canon"]}) == ["brand::Sony", "brand::Canon"]
    assert v.tags_of({"brand": "kind::camera, brand::Sony"}) == ["kind::camera", "brand::Sony"]
    assert v.tags_of({"other": "x"}) == []
    facets, unseen = v.resolve(v.tags_of({"brand": "Sony", "specs": {"kind": "camera"}}), "a Canon camera")
    assert facets == {"kind": frozenset({"camera"})} and unseen == ["brand"]


@pytest.mark.parametrize(
    ("change", "field_part"),
    [
        (lambda d: d["families"]["brand"]["values"]["sony"].pop("phrase"), "phrase"),
        (lambda d: d["families"]["kind"]["values"]["camera"].pop("query"), "families.kind"),
        (lambda d: d["families"]["brand"].update(role="facet"), "families.brand.role"),
        (lambda d: d["families"]["brand"]["values"]["sony"].update(evidence="(unclosed"), "evidence"),
        (lambda d: d["families"]["brand"]["values"]["canon"].update(tags=["brand::Sony"]), ""),
        (lambda d: d["families"].pop("kind"), ""),
    ],
)
def test_bad_vocabulary_file_names_file_and_field(tmp_path, change, field_part):
    data = small_vocab()
    change(data)
    path = tmp_path / "vocab.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as err:
        load_vocabulary(path)
    assert str(path) in str(err.value)
    assert field_part in (err.value.field or "") or field_part in err.value.message


def test_vocabulary_file_errors(tmp_path):
    with pytest.raises(InputError, match="file not found .*packaged vocabularies: debtags"):
        load_vocabulary(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_vocabulary(bad)
    bad.write_bytes(b'{"name": "caf\xe9"}')
    with pytest.raises(InputError, match="not UTF-8"):
        load_vocabulary(bad)
    ok = tmp_path / "ok.json"
    ok.write_bytes(b"\xef\xbb\xbf" + json.dumps(small_vocab()).encode())  # a BOM is fine
    assert load_vocabulary(ok).name == "catalog"
