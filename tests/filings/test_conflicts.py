"""Merges lose nothing: a save from a stale form is compared field by field
against the values the form was loaded with (its base). A field only the other
person changed keeps their value, a field only this user changed is saved, and
only a field both changed to different values is a conflict."""

import html
import json
import re

import pytest
from django.urls import reverse
from django.utils.datastructures import MultiValueDict

from filings import conflicts, wizard
from filings.models import Algorithm, PendingInput, Provider
from tests.factories import AlgorithmFactory, DeploymentFactory, ProviderFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db

KIND = "algorithm-basic"


@pytest.fixture
def algorithm(workspace):
    return DeploymentFactory(
        algorithm=AlgorithmFactory(provider=ProviderFactory(workspace=workspace), name="原名算法")
    ).algorithm


@pytest.fixture
def people(workspace, member_factory):
    return {
        name: member_factory(workspace, Role.EDITOR, username=name)
        for name in ("alice", "bob", "carol")
    }


def page_values(kind, obj):
    """What the step's form shows for `obj`, as a browser posts it: input name -> values."""
    form = wizard.build_panel(kind, obj).form
    return {
        form.add_prefix(name): conflicts.input_values(form, name, getattr(obj, name))
        for name in form.fields
    }


class Page:
    """One person's open step: the values and the base her form holds."""

    def __init__(self, kind, obj):
        self.kind, self.obj = kind, obj
        self.prefix = wizard.prefix(kind, obj.pk)
        self.values = page_values(kind, obj)
        self.base = wizard.panel_base(kind, obj)

    def set(self, **changes):
        for name, value in changes.items():
            self.values[f"{self.prefix}-{name}"] = value if isinstance(value, list) else [value]
        return self

    def data(self):
        data = MultiValueDict(
            {name: values for name, values in self.values.items() if values}  # unchecked: absent
        )
        data["_base"] = self.base
        return data

    def patch_base(self, **values):
        base = json.loads(self.base)
        base.update(values)
        self.base = json.dumps(base)
        return self

    def save(self, client, user, htmx=True):
        client.force_login(user)
        response = client.post(
            reverse("filings:panel-save", args=[self.obj.workspace.slug, self.kind, self.obj.pk]),
            dict(self.data().lists()),
            HTTP_ACCEPT_LANGUAGE="en",
            **({"HTTP_HX_REQUEST": "true"} if htmx else {}),
        )
        body = response.content.decode()
        found = re.search(rf'id="base-{re.escape(self.prefix)}" value="([^"]*)"', body)
        if htmx and found:  # autosave carries the new base, and takes the refreshed values
            self.base = html.unescape(found.group(1))
            refresh = re.search(r'data-refresh="([^"]*)"', body)
            for name, values in json.loads(html.unescape(refresh.group(1))).items():
                self.values[name] = values
        return response


def stored(algorithm, *names):
    fresh = Algorithm.objects.get(pk=algorithm.pk)
    return tuple(getattr(fresh, name) for name in names)


def writers(obj, field_name):
    """Who wrote each historical value of a field, oldest first, as (user, value) runs."""
    runs = []
    for record in obj.history.order_by("history_date", "history_id"):
        value = getattr(record, field_name)
        if not runs or runs[-1][1] != value:
            runs.append((record.history_user.username if record.history_user else None, value))
    return runs


# --- different fields --------------------------------------------------------


def test_edits_of_different_fields_merge_silently_and_both_are_kept(client, people, algorithm):
    alice, bob = Page(KIND, algorithm), Page(KIND, algorithm)  # both opened the step
    response = alice.set(name="爱丽丝的算法").save(client, people["alice"])
    assert "Saved at" in response.content.decode()

    body = bob.set(application_domains="新闻门户").save(client, people["bob"]).content.decode()
    assert "sb-conflict" not in body and "Saved at" in body
    assert stored(algorithm, "name", "application_domains") == ("爱丽丝的算法", ["新闻门户"])
    # Bob's form is told to show Alice's name, and carries the base stored now.
    assert bob.values[f"{bob.prefix}-name"] == ["爱丽丝的算法"]
    assert json.loads(bob.base) == json.loads(
        wizard.panel_base(KIND, Algorithm.objects.get(pk=algorithm.pk))
    )

    # His next autosave is no false conflict, and still reverts nothing.
    body = bob.set(launch_status="online").save(client, people["bob"]).content.decode()
    assert "sb-conflict" not in body
    assert stored(algorithm, "name", "application_domains", "launch_status") == (
        "爱丽丝的算法",
        ["新闻门户"],
        "online",
    )


def test_a_field_the_user_did_not_touch_is_never_written(client, people, algorithm):
    alice, bob = Page(KIND, algorithm), Page(KIND, algorithm)
    alice.set(name="爱丽丝的算法").save(client, people["alice"])
    bob.set(launch_status="online").save(client, people["bob"])
    # Bob's save wrote only the launch status: his stale name is in no record.
    assert writers(algorithm, "name") == [(None, "原名算法"), ("alice", "爱丽丝的算法")]
    record = algorithm.history.filter(history_user=people["bob"]).get()
    assert record.name == "爱丽丝的算法" and record.launch_status == "online"


def test_a_field_absent_from_the_post_is_never_written(client, people, algorithm):
    page = Page(KIND, algorithm).set(launch_status="online")
    del page.values[f"{page.prefix}-name"]
    del page.values[f"{page.prefix}-application_domains"]
    page.save(client, people["bob"])
    assert stored(algorithm, "name", "launch_status") == ("原名算法", "online")


def test_the_same_value_typed_by_both_is_no_conflict(client, people, algorithm):
    alice, bob = Page(KIND, algorithm), Page(KIND, algorithm)
    alice.set(name="同一个名字算法").save(client, people["alice"])
    body = (
        bob.set(name="同一个名字算法", application_domains="短视频")
        .save(client, people["bob"])
        .content.decode()
    )
    assert "sb-conflict" not in body
    assert stored(algorithm, "name", "application_domains") == ("同一个名字算法", ["短视频"])


def test_my_own_successive_autosaves_carry_the_new_base(client, people, algorithm):
    page = Page(KIND, algorithm)
    for name in ("第一版算法", "第二版算法", "第三版算法"):
        body = page.set(name=name).save(client, people["bob"]).content.decode()
        assert "Saved at" in body
        assert json.loads(page.base)["name"] == name
    assert stored(algorithm, "name") == ("第三版算法",)


# --- the same field ----------------------------------------------------------


def test_the_same_field_changed_by_both_is_a_conflict_shown_beside_it(client, people, algorithm):
    alice, bob = Page(KIND, algorithm), Page(KIND, algorithm)
    alice.set(name="爱丽丝的算法").save(client, people["alice"])
    response = bob.set(name="鲍勃的算法", application_domains="新闻门户").save(
        client, people["bob"]
    )
    body = response.content.decode()
    # Only the name conflicts; Bob's other change is saved, Alice's name kept.
    assert stored(algorithm, "name", "application_domains") == ("爱丽丝的算法", ["新闻门户"])
    assert body.count("data-conflict-field=") == 1
    box = body[body.index(f'id="cf-{bob.prefix}-name"') :]
    box = box[: box.index("</dl>")]
    assert 'data-conflict-field="name"' in box
    assert "爱丽丝的算法" in box and "鲍勃的算法" in box and "alice changed this field" in box
    assert 'id="conflict-' in body and "sb-conflict" in body  # the notice at the top
    assert f'href="#cf-{bob.prefix}-name"' in body
    # Until Bob decides, the base keeps the loaded name: autosave stays a conflict.
    assert json.loads(bob.base)["name"] == "原名算法"
    body = bob.set(launch_status="online").save(client, people["bob"]).content.decode()
    assert 'data-conflict-field="name"' in body
    assert stored(algorithm, "name", "launch_status") == ("爱丽丝的算法", "online")


def test_each_conflict_names_who_changed_that_field(client, people, algorithm):
    alice, carol, bob = Page(KIND, algorithm), Page(KIND, algorithm), Page(KIND, algorithm)
    alice.set(name="爱丽丝的算法").save(client, people["alice"])
    carol.set(launch_status="online").save(client, people["carol"])
    result = wizard.save_panel(
        KIND,
        Algorithm.objects.get(pk=algorithm.pk),
        bob.set(name="鲍勃的算法", launch_status="not_online").data(),
        user=people["bob"],
        base=bob.base,
    )
    authors = {c.name: c.by for c in result.conflicts}
    assert authors == {"name": "alice", "launch_status": "carol"}
    assert all(c.at is not None for c in result.conflicts)


def test_keep_mine_saves_only_the_conflicting_fields_this_user_edited(client, people, algorithm):
    alice, bob = Page(KIND, algorithm), Page(KIND, algorithm)
    alice.set(name="爱丽丝的算法", launch_status="online").save(client, people["alice"])
    bob.set(name="鲍勃的算法").save(client, people["bob"])
    # Alice's launch status came back to Bob's form by itself; "Keep mine" for the name:
    bob.patch_base(name="爱丽丝的算法")
    body = bob.save(client, people["bob"]).content.decode()
    assert "sb-conflict" not in body
    assert stored(algorithm, "name", "launch_status") == ("鲍勃的算法", "online")


def test_keep_mine_without_the_refresh_still_reverts_nothing(client, people, algorithm):
    """A client that did not take the refreshed values (an old tab) still keeps Alice's."""
    alice, bob = Page(KIND, algorithm), Page(KIND, algorithm)
    alice.set(name="爱丽丝的算法", launch_status="online").save(client, people["alice"])
    loaded = bob.base
    result = wizard.save_panel(
        KIND,
        Algorithm.objects.get(pk=algorithm.pk),
        bob.set(name="鲍勃的算法").data(),
        user=people["bob"],
        base=loaded,
    )
    assert [c.name for c in result.conflicts] == ["name"]
    result = wizard.save_panel(
        KIND,
        Algorithm.objects.get(pk=algorithm.pk),
        bob.data(),
        user=people["bob"],
        base=result.keep_mine_base,
    )
    assert not result.conflicts
    assert stored(algorithm, "name", "launch_status") == ("鲍勃的算法", "online")


def test_use_theirs_writes_nothing(client, people, algorithm):
    alice, bob = Page(KIND, algorithm), Page(KIND, algorithm)
    alice.set(name="爱丽丝的算法").save(client, people["alice"])
    bob.set(name="鲍勃的算法").save(client, people["bob"])
    records = algorithm.history.count()
    bob.set(name="爱丽丝的算法").patch_base(name="爱丽丝的算法")
    body = bob.save(client, people["bob"]).content.decode()
    assert "sb-conflict" not in body
    assert stored(algorithm, "name") == ("爱丽丝的算法",)
    assert algorithm.history.count() == records


def test_merge_saves_the_merged_text(client, people, algorithm):
    detail = "algorithm-detail"
    algorithm.summary = "原简介。"
    algorithm.save()
    alice, bob = Page(detail, algorithm), Page(detail, algorithm)
    alice.set(summary="原简介。爱丽丝补充。").save(client, people["alice"])
    body = bob.set(summary="原简介。鲍勃补充。").save(client, people["bob"]).content.decode()
    assert 'data-conflict-field="summary"' in body and "data-merge-ref" in body
    bob.set(summary="原简介。爱丽丝补充。鲍勃补充。").patch_base(summary="原简介。爱丽丝补充。")
    body = bob.save(client, people["bob"]).content.decode()
    assert "sb-conflict" not in body
    assert stored(algorithm, "summary") == ("原简介。爱丽丝补充。鲍勃补充。",)


# --- checkboxes, multiple choices, texts, personal numbers ---------------------


def test_an_unchecked_checkbox_nobody_touched_is_not_written(client, people, algorithm):
    algorithm.generative_ai_service = True
    algorithm.save()
    alice, bob = Page(KIND, algorithm), Page(KIND, algorithm)
    assert bob.values[f"{bob.prefix}-generative_ai_service"] == ["on"]
    alice.set(generative_ai_service=[]).save(client, people["alice"])  # unchecked: not posted
    assert stored(algorithm, "generative_ai_service") == (False,)
    bob.set(name="鲍勃的算法").save(client, people["bob"])  # his form still has it checked
    assert stored(algorithm, "generative_ai_service", "name") == (False, "鲍勃的算法")
    assert bob.values[f"{bob.prefix}-generative_ai_service"] == []  # shown unchecked now


def test_unchecking_a_box_is_an_edit(client, people, algorithm):
    algorithm.generative_ai_service = True
    algorithm.save()
    alice, bob = Page(KIND, algorithm), Page(KIND, algorithm)
    alice.set(name="爱丽丝的算法").save(client, people["alice"])
    bob.set(generative_ai_service=[]).save(client, people["bob"])
    assert stored(algorithm, "generative_ai_service", "name") == (False, "爱丽丝的算法")


def test_multiple_choices_merge_and_conflict_as_sets(client, people, algorithm):
    detail = "algorithm-detail"
    algorithm.input_modalities = ["image", "text"]  # not in the checkboxes' order
    algorithm.output_modalities = []
    algorithm.save()
    alice, bob = Page(detail, algorithm), Page(detail, algorithm)
    alice.set(output_modalities=["text"]).save(client, people["alice"])
    # Bob's form posts the input modalities in the checkboxes' order and no output one.
    body = bob.set(summary="鲍勃的简介。").save(client, people["bob"]).content.decode()
    assert "sb-conflict" not in body
    assert stored(algorithm, "input_modalities", "output_modalities", "summary") == (
        ["image", "text"],
        ["text"],
        "鲍勃的简介。",
    )
    assert not algorithm.history.filter(
        history_user=people["bob"], input_modalities=["text", "image"]
    ).exists()
    # Both change the same set: a conflict. Clearing it all is an edit too.
    carol = Page(detail, Algorithm.objects.get(pk=algorithm.pk))
    bob.set(input_modalities=["text"]).save(client, people["bob"])
    body = carol.set(input_modalities=[]).save(client, people["carol"]).content.decode()
    assert 'data-conflict-field="input_modalities"' in body
    assert stored(algorithm, "input_modalities") == (["text"],)


def test_a_textarea_posted_with_crlf_is_not_an_edit(client, people, algorithm):
    detail = "algorithm-detail"
    algorithm.summary = "第一行。\n第二行。"
    algorithm.save()
    alice, bob = Page(detail, algorithm), Page(detail, algorithm)
    alice.set(summary="爱丽丝的简介。").save(client, people["alice"])
    bob.set(summary="第一行。\r\n第二行。", usage_scenario="首页")  # as a browser posts it
    body = bob.save(client, people["bob"]).content.decode()
    assert "sb-conflict" not in body
    assert stored(algorithm, "summary", "usage_scenario") == ("爱丽丝的简介。", "首页")


def test_a_masked_personal_number_is_never_an_edit(client, people, workspace):
    provider = ProviderFactory(
        workspace=workspace, legal_rep_id_number="11010119900307002X", officer_mobile=""
    )
    masked = Page("provider", provider)
    masked.values[f"{masked.prefix}-legal_rep_id_number"] = ["110***********002X"]
    editor = Page("provider", provider)
    editor.set(legal_rep_id_number="110101199003070038").save(client, people["alice"])
    body = masked.set(office_address="北京市海淀区").save(client, people["bob"]).content.decode()
    assert "sb-conflict" not in body
    fresh = Provider.objects.get(pk=provider.pk)
    assert fresh.legal_rep_id_number == "110101199003070038"
    assert fresh.office_address == "北京市海淀区"
    assert not PendingInput.objects.filter(target="provider").exists()


def test_an_editor_sees_and_edits_the_full_number(client, people, workspace):
    provider = ProviderFactory(workspace=workspace, legal_rep_id_number="11010119900307002X")
    page = Page("provider", provider)
    assert page.values[f"{page.prefix}-legal_rep_id_number"] == ["11010119900307002X"]
    page.set(legal_rep_id_number="110101199003070038").save(client, people["alice"])
    assert Provider.objects.get(pk=provider.pk).legal_rep_id_number == "110101199003070038"


def test_a_refused_value_stays_pending_and_others_pending_values_stay(client, people, algorithm):
    alice, bob = Page(KIND, algorithm), Page(KIND, algorithm)
    alice.set(launch_date="not-a-date").save(client, people["alice"])
    assert set(PendingInput.objects.get().data) == {"launch_date"}
    bob.set(name="鲍\x00勃").save(client, people["bob"])
    assert set(PendingInput.objects.get().data) == {"launch_date", "name"}  # Alice's kept
    assert stored(algorithm, "name") == ("原名算法",)


# --- without JavaScript ------------------------------------------------------


def test_without_javascript_the_conflict_is_a_page_and_keep_mine_reverts_nothing(
    client, people, algorithm
):
    alice, bob = Page(KIND, algorithm), Page(KIND, algorithm)
    alice.set(name="别人的名字算法", launch_status="online").save(client, people["alice"])
    response = bob.set(name="我的名字算法", application_domains="短视频").save(
        client, people["bob"], htmx=False
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "别人的名字算法" in body and "我的名字算法" in body and "alice" in body
    assert stored(algorithm, "name", "application_domains", "launch_status") == (
        "别人的名字算法",
        ["短视频"],
        "online",
    )
    # "Keep mine for these fields" posts the same values again with the base it carries.
    keep = re.search(r'name="_base" value="([^"]*)"', body).group(1)
    bob.base = html.unescape(keep)
    response = bob.save(client, people["bob"], htmx=False)
    assert response.status_code == 302
    assert stored(algorithm, "name", "application_domains", "launch_status") == (
        "我的名字算法",
        ["短视频"],
        "online",
    )


# --- the assessment page's parts ---------------------------------------------


def test_the_assessment_parts_merge_the_same_way(client, people, algorithm):
    from assessments.models import Risk
    from assessments.selectors import RISKS_PANEL
    from assessments.services import save_dict_panel

    def risks(**texts):
        return {f"{RISKS_PANEL}-{algorithm.pk}-{kind}": text for kind, text in texts.items()}

    loaded = json.dumps({"abuse": "", "data_leak": ""})
    save_dict_panel(
        kind=RISKS_PANEL,
        algorithm=algorithm,
        data=risks(abuse="甲。"),
        by=people["alice"],
        base=loaded,
    )
    result = save_dict_panel(
        kind=RISKS_PANEL,
        algorithm=algorithm,
        data=risks(abuse="", data_leak="乙。"),
        by=people["bob"],
        base=loaded,
    )
    assert not result.conflicts and json.loads(result.refresh_json)
    texts = dict(Risk.objects.values_list("kind", "description"))
    assert texts == {"abuse": "甲。", "data_leak": "乙。"}
    result = save_dict_panel(
        kind=RISKS_PANEL,
        algorithm=algorithm,
        data=risks(abuse="丙。"),
        by=people["bob"],
        base=loaded,
    )
    assert [(c.name, c.by) for c in result.conflicts] == [("abuse", "alice")]
    assert Risk.objects.get(kind="abuse").description == "甲。"
    result = save_dict_panel(
        kind=RISKS_PANEL,
        algorithm=algorithm,
        data=risks(abuse="丙。"),
        by=people["bob"],
        base=result.keep_mine_base,
    )
    assert not result.conflicts
    assert dict(Risk.objects.values_list("kind", "description")) == {
        "abuse": "丙。",
        "data_leak": "乙。",
    }


def test_the_conflict_is_shown_in_the_readers_language(client, people, algorithm):
    alice, bob = Page(KIND, algorithm), Page(KIND, algorithm)
    alice.set(name="爱丽丝的算法").save(client, people["alice"])
    client.force_login(people["bob"])
    response = client.post(
        reverse("filings:panel-save", args=[algorithm.workspace.slug, KIND, algorithm.pk]),
        dict(bob.set(name="鲍勃的算法").data().lists()),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert "保留我的" in body and "合并" in body and "alice 于" in body
    assert "Keep mine" not in body


def test_a_viewer_cannot_save_a_panel(client, workspace, member_factory, algorithm):
    page = Page(KIND, algorithm).set(name="观察者的算法")
    for role in (Role.VIEWER, Role.REVIEWER):
        response = page.save(client, member_factory(workspace, role))
        assert response.status_code == 403
    assert stored(algorithm, "name") == ("原名算法",)
