"""Diffs show what changed inside a text; the feed names fields by label, in
the reader's language, whoever acted (issue 11, item 6)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from filings.models import Activity
from reviews import anchors, textdiff
from reviews.selectors import diff_rows

pytestmark = pytest.mark.django_db

BASE = "/snapshot/providers/0/algorithms/0"
SUMMARY = f"{BASE}/summary"
PRINCIPLE = f"{BASE}/disclosure/basic_principle"
ID_NUMBER = "/snapshot/providers/0/legal_representative/id_number"
BEFORE = "根据用户的浏览、点赞和评论行为召回并排序候选资讯，并经过安全过滤和人工干预后推送。"
AFTER = "根据用户的浏览、收藏和评论行为召回并排序候选新闻，并经过安全过滤和人工干预后推送。"


def _version(**algorithm) -> dict:
    return {"snapshot": {"providers": [{"algorithms": [algorithm]}]}, "attachments": []}


class TestInline:
    def test_chinese_is_compared_by_character(self):
        marked = textdiff.inline(BEFORE, AFTER)
        assert marked.before.count("<del") == 2 and marked.after.count("<ins") == 2
        assert '<del class="sb-del">点赞</del>' in marked.before
        assert '<del class="sb-del">资讯</del>' in marked.before
        assert '<ins class="sb-ins">收藏</ins>' in marked.after
        assert '<ins class="sb-ins">新闻</ins>' in marked.after
        # What did not change is shown once, unmarked, on both sides.
        assert marked.after.startswith("根据用户的浏览、<ins")
        assert marked.after.endswith("并经过安全过滤和人工干预后推送。")

    def test_english_changes_read_as_words_not_confetti(self):
        marked = textdiff.inline(
            "Items are ranked by clicks and dwell time.",
            "Items are ranked by predicted interest and freshness.",
        )
        assert "Items are ranked by " in marked.after
        # One run per side, not a letter here and there.
        assert marked.before.count("<del") == 1 and marked.after.count("<ins") == 1

    def test_every_piece_is_escaped(self):
        marked = textdiff.inline(
            "安全说明<b>旧</b>：用户可以关闭推荐。",
            'e安全说明<script>alert("x")</script>：用户可以关闭推荐。',
        )
        for side in (marked.before, marked.after):
            assert "<script" not in side and "<b>" not in side
        # Take our own marks away: what is left is the text, escaped.
        unmarked = re.sub(r'</?(del|ins)( class="sb-(del|ins)")?>', "", marked.after)
        assert unmarked == escape('e安全说明<script>alert("x")</script>：用户可以关闭推荐。')

    def test_a_rewritten_text_is_shown_whole(self):
        assert textdiff.inline("根据用户兴趣推荐新闻。", "新的简介。") is None
        assert textdiff.inline("", "新的简介。") is None


class TestDiffRows:
    def test_a_text_is_marked_inside_and_its_plain_text_kept(self):
        [row] = diff_rows(_version(summary=BEFORE), _version(summary=AFTER))
        assert row.inline and row.before == BEFORE and row.after == AFTER
        assert '<del class="sb-del">点赞</del>' in row.before_html

    def test_a_choice_is_shown_whole_by_its_label(self):
        [row] = diff_rows(_version(type="personalized_push"), _version(type="content_filtering"))
        assert not row.inline
        assert row.after_html == '<ins class="sb-ins">Content filtering</ins>'

    def test_a_masked_number_is_never_compared_inside(self):
        before = {
            "snapshot": {
                "providers": [{"legal_representative": {"id_number": "11010519491231002X"}}]
            }
        }
        after = {
            "snapshot": {
                "providers": [{"legal_representative": {"id_number": "110105194912310038"}}]
            }
        }
        [row] = diff_rows(before, after)
        assert not row.inline
        assert "11010519491231002X" not in row.before_html + row.after_html


class TestHistoryPage:
    def test_the_changed_words_of_a_long_text_are_marked(
        self, client, team, algorithm, settings, django_capture_on_commit_callbacks
    ):
        # Each save a version of its own, as if minutes apart (not one burst).
        settings.SUANBEI_VERSION_BURST_SECONDS = 0
        for text in (BEFORE, AFTER):
            algorithm.summary = text
            with django_capture_on_commit_callbacks(execute=True):
                algorithm.save()
        client.force_login(team.viewer)
        url = reverse("reviews:history", args=[algorithm.workspace.slug, algorithm.pk])
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert '<del class="sb-del">点赞</del>' in body
        assert '<ins class="sb-ins">新闻</ins>' in body
        # The unchanged rest of the paragraph is not struck out.
        assert f'<del class="sb-del">{BEFORE}</del>' not in body
        assert "data-inline" in body


def _labels(pointer: str) -> dict[str, str]:
    labels = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            labels[language] = str(anchors.pointer_label(pointer))
    return labels


class TestFeed:
    @pytest.fixture
    def withdrawn(self, filing, team):
        with translation.override("en"):  # the actor works in English
            return Activity.objects.create(
                workspace_id=filing.workspace_id,
                algorithm_id=filing.algorithm_id,
                filing=filing,
                actor=team.editor,
                verb=Activity.Verb.APPROVAL_WITHDRAWN,
                data={"pointers": [PRINCIPLE, ID_NUMBER], "count": 2, "version": None},
            )

    @pytest.mark.parametrize("language", ["en", "zh-hans"])
    def test_fields_are_named_by_label_in_the_readers_language(
        self, client, filing, team, withdrawn, language
    ):
        client.force_login(team.viewer)
        for url in (
            reverse("reviews:activity", args=[filing.workspace.slug]),
            reverse("reviews:review", args=[filing.workspace.slug, filing.pk]),
        ):
            body = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
            for pointer in (PRINCIPLE, ID_NUMBER):
                assert _labels(pointer)[language] in body
            assert "basic_principle" not in body.replace(f'"{PRINCIPLE}"', "")
            assert "id_number" not in body
        assert _labels(PRINCIPLE)["en"] != _labels(PRINCIPLE)["zh-hans"]

    def test_a_withdrawal_stores_codes_not_words(
        self, filing, team, algorithm, django_capture_on_commit_callbacks
    ):
        from filings import versions
        from filings.choices import FilingStatus
        from filings.models import Filing

        version = versions.record(algorithm)
        Filing.objects.filter(pk=filing.pk).update(
            status=FilingStatus.APPROVED, approved_version=version
        )
        algorithm.summary = "协同过滤与内容相似度结合。"
        with django_capture_on_commit_callbacks(execute=True):
            algorithm.save()
        entry = Activity.objects.get(verb=Activity.Verb.APPROVAL_WITHDRAWN)
        assert entry.detail == ""
        assert entry.data["pointers"] == [SUMMARY] and entry.data["count"] == 1
        assert entry.data["approved_version"] == version.pk

    def test_many_fields_are_counted_after_the_first_five(self, client, filing, team):
        pointers = [f"{BASE}/{key}" for key in (
            "name", "summary", "strategy", "usage_scenario", "type", "application_domains",
            "launch_date",
        )]  # fmt: skip
        Activity.objects.create(
            workspace_id=filing.workspace_id,
            filing=filing,
            algorithm_id=filing.algorithm_id,
            verb=Activity.Verb.APPROVAL_WITHDRAWN,
            data={"pointers": pointers, "count": 9},
        )
        client.force_login(team.viewer)
        body = client.get(
            reverse("reviews:activity", args=[filing.workspace.slug]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        assert "and 4 more." in body

    def test_an_old_entry_with_its_words_stored_still_reads(self, client, filing, team):
        Activity.objects.create(
            workspace_id=filing.workspace_id,
            filing=filing,
            algorithm_id=filing.algorithm_id,
            verb=Activity.Verb.APPROVAL_WITHDRAWN,
            detail="批准后数据发生了变更，批准已撤销：附件。",
        )
        client.force_login(team.viewer)
        body = client.get(
            reverse("reviews:activity", args=[filing.workspace.slug]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        assert "批准后数据发生了变更，批准已撤销：附件。" in body

    @pytest.mark.parametrize("language", ["en", "zh-hans"])
    def test_comments_and_resolutions_name_their_field_when_read(
        self, client, filing, team, language, django_capture_on_commit_callbacks
    ):
        from reviews import services

        with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
            thread = services.thread_create(
                filing=filing, by=team.reviewer, anchor=SUMMARY, body="简介太短。"
            )
            services.thread_resolve(thread=thread, by=team.editor)
        resolved = Activity.objects.get(verb=Activity.Verb.RESOLVED)
        assert resolved.detail == "" and resolved.data["anchor"] == SUMMARY
        client.force_login(team.viewer)
        body = client.get(
            reverse("reviews:activity", args=[filing.workspace.slug]),
            HTTP_ACCEPT_LANGUAGE=language,
        ).content.decode()
        label = _labels(SUMMARY)[language]
        assert body.count(label) >= 2  # "About: …" on the comment, the field on the resolution
        assert "data-about" in body
