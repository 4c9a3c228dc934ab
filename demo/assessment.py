"""Self-assessment answers for the demo and for tests' complete data.

The measures a news app's provider would write for each catalogue item that
applies to its personalised feed or its search (issue 12 §5: no conclusion
without an assessment). `{product}` is the product's name. An item this
table does not know yet (a catalogue addition) is answered with the
catalogue's own declarative statement, so complete data stays complete; give
it measures of its own here.
"""

from __future__ import annotations

import datetime as dt

MEASURES: dict[str, str] = {
    # 管理制度与责任
    "ARS-7-management-systems": "已制定《算法安全自评估制度》《算法安全监测制度》《算法安全事件应急处置制度》《科技伦理审查制度》及用户注册、信息发布审核、数据安全和个人信息保护、反电信网络诈骗等制度，并在{product}“设置—规则中心”公开算法推荐服务规则。",
    "ARS-7-security-staff": "设立由首席合规官牵头的算法安全委员会（8人），配备算法、内容安全、数据安全和法务专职人员，岗前培训考核合格后上岗。",
    "ARS-24-filing-maintenance": "指定算法安全负责人维护备案信息，备案信息变更后十个工作日内办理变更手续，终止服务时二十个工作日内办理注销。",
    "ARS-26-filing-number-display": "备案完成后在{product}“我的—设置—关于—算法备案信息”页面显著位置标明备案编号并提供公示信息链接。",
    # 信息内容安全
    "ARS-6-mainstream-values": "在首页首屏、热点榜单等位置优先呈现符合主流价值导向的权威信息，编辑团队每日审核重点位置内容。",
    "ARS-9-feature-library": "建立违法和不良信息特征库（关键词、图片指纹、账号黑名单），每周更新入库标准和规则，覆盖涉政、涉黄、涉暴、谣言等类别。",
    "ARS-9-illegal-information": "发现违法信息立即停止传输，采取删除等处置措施，保存记录并向网信部门报告；对相关账号依协议采取警示、限制功能、关闭账号等措施。",
    "ARS-9-unlabelled-synthetic": "内容入库时检测算法生成合成信息，未作显著标识的先添加“AI生成”提示标识后再推荐或展示。",
    "LABEL-6-propagation-check": "上传内容时读取文件元数据中的隐式标识，按“属于/可能/疑似”生成合成内容分别添加提示标识并写入传播要素；发布页提供“含AI生成内容”主动声明选项。",
    "ARS-13-news-licence": "已取得互联网新闻信息服务许可证，转载新闻信息仅来自国家规定范围内的稿源单位，不生成合成虚假新闻信息。",
    # 人工干预与用户自主选择
    "ARS-11-key-positions": "首页首屏、热点榜单、弹窗等重点环节设人工干预，由编辑团队审核后上线，积极呈现正能量内容。",
    "ARS-11-intervention-records": "人工干预操作记录操作人、时间、对象和理由，日志保存不少于六个月，每季度复核。",
    "ARS-12-diversity-transparency": "召回和排序阶段对同一来源、同一话题内容打散，结果页说明排序主要依据，减少信息茧房。",
    # 防范操纵
    "ARS-14-fake-accounts": "通过设备指纹和行为特征识别虚假注册和批量账号，识别后限制其点赞、评论、转发行为不计入排序。",
    "ARS-14-list-manipulation": "识别异常点击和刷量行为，异常流量不计入热度；热点榜单变化由人工复核，禁止利用算法屏蔽信息、操纵榜单。",
    "ARS-15-fair-competition": "排序规则不因内容来源平台而区别对待，不屏蔽、不降权其他互联网信息服务提供者依法提供的内容链接，法务部门每半年审查。",
    # 机制机理与伦理
    "ARS-7-mechanism-review": "算法模型上线和重大调整前由算法安全委员会开展机制机理审核，形成审核记录。",
    "ARS-8-periodic-audit": "每季度审核、评估、验证算法机制机理、模型、数据和应用结果，评估报告报算法安全委员会审议。",
    "ARS-8-no-addiction": "不以用户停留时长为唯一优化目标，排序目标中纳入内容质量和多样性，连续使用超过两小时弹出休息提醒。",
    "ARS-7-ethics-review": "按《科技伦理审查制度》对新算法和新功能开展科技伦理审查，审查记录保存三年。",
    "ARS-8-reassessment-after-update": "模型更新、重新训练或更换后，由算法安全委员会重新开展安全评估；备案信息变更的，十个工作日内办理变更备案。",
    # 数据安全与个人信息保护
    "ARS-7-data-protection": "行为数据去标识化后用于训练，按数据分类分级实施访问控制和加密存储，数据存储于境内。",
    "PIPL-24-automated-decisions": "自动化决策仅用于资讯排序，不在交易价格等条件上实行差别待遇；用户可在“设置—个性化推荐”获取说明并关闭个性化推荐。",
    "PIPL-55-impact-assessment": "上线前开展个人信息保护影响评估并记录处理情况，评估报告和处理记录保存三年以上，模型重大调整时重新评估。",
    "CSL-21-classified-protection": "推荐系统已完成网络安全等级保护第三级备案和测评，部署防病毒和入侵检测措施，网络日志留存六个月以上，重要数据异地备份并加密。",
    # 用户权益保护
    "ARS-16-prominent-notice": "在{product}首页推荐频道和《用户服务协议》中以显著方式告知用户正在使用算法推荐服务。",
    "ARS-16-disclose-principles": "在“设置—规则中心—算法说明”公示算法的基本原理、目的意图和主要运行机制。",
    "ARS-17-opt-out": "“我的—设置—个性化推荐”提供关闭开关，关闭后立即停止个性化推荐，改为按时间和热度展示。",
    "ARS-17-user-tags": "“我的—兴趣标签”页面允许用户查看、删除其用户标签，删除后推荐即时调整。",
    "ARS-10-tag-rules": "用户标签仅来自浏览、点击、主动选择等平台内行为，不使用违法和不良信息关键词作为标签，标签规则经法务审核。",
    "ARS-17-ranking-search-opt-out": "搜索结果页提供“不按个人特征排序”选项，选择后按相关性和时效性排序，立即生效。",
    "ARS-17-explanation": "对用户权益有重大影响的推荐结果调整，通过客服渠道依法予以说明，并由算法安全委员会评估责任。",
    "ARS-22-complaints": "在“我的—帮助与反馈”设置算法相关投诉入口，承诺15个工作日内处理并反馈结果。",
    # 未成年人保护
    "ARS-18-minors-mode": "提供青少年模式，开启后仅推荐青少年内容池中的内容，关闭评论和私信功能。",
    "ARS-18-harmful-content": "建立未成年人不良信息特征库，青少年模式内容池经人工审核，不向未成年人推送可能影响其身心健康的信息。",
    "ARS-18-anti-addiction": "青少年模式每日使用时长上限40分钟，22时至次日6时不可使用。",
    "MINORS-43-minors-mode": "青少年模式对使用时段、时长、功能和内容作出限制，并为监护人提供时间管理、权限管理功能。",
    # 老年人
    "ARS-19-age-friendly": "提供“长辈模式”（大字号、简化界面），推荐内容经适老化审核。",
    "ARS-19-anti-fraud": "识别涉电信网络诈骗信息并及时处置，对老年用户推送防诈骗提示。",
    # 应急处置与监督检查
    "ARS-7-incident-response": "按《算法安全事件应急处置制度》设置一键下线开关和应急值班，安全事件发生后立即处置并报告。",
    "ARS-28-log-retention": "推荐日志、人工干预记录和模型版本留存不少于六个月，可按监督检查要求调取。",
    "ARS-28-regulator-cooperation": "指定算法安全负责人对接网信、公安等部门，配合安全评估和监督检查，提供必要的技术和数据支持。",
    # 安全评估（2018年规定）
    "SA-3-security-assessment-report": "新增评论、分享功能上线前开展安全评估，形成评估报告并通过全国互联网安全管理服务平台提交北京市网信办和公安机关。",
    "SA-5-security-officer": "确定首席合规官为安全管理负责人，配备与服务规模相适应的专业人员。",
    "SA-5-real-name-registration": "用户注册时以手机号码进行真实身份信息认证，未认证用户不能发布评论。",
    "SA-5-log-retention": "记录用户账号、操作时间、操作类型、网络源地址和目标地址等日志信息，留存六个月以上。",
    "SA-5-account-and-posting-controls": "对用户账号和通讯群组名称、昵称、简介、备注、标识，信息发布、转发、评论等服务设置审核和处置措施。",
    "SA-5-mobilisation-controls": "对转发量、评论量突增的内容实时监测，设置传播上限和人工复核，防范违法有害信息扩散和社会动员功能失控。",
    "SA-5-authority-support": "建立为网信部门、公安机关、国家安全机关依法履职提供技术和数据支持的工作机制，指定专人对接。",
}

# Where the search differs from the feed (same product, same company).
SEARCH_MEASURES: dict[str, str] = {
    "ARS-6-mainstream-values": "搜索结果首屏和热搜词优先呈现权威媒体的报道，编辑团队每日审核热搜词。",
    "ARS-11-key-positions": "搜索结果首屏、热搜词、搜索联想词设人工干预，由编辑团队审核后上线。",
    "ARS-12-diversity-transparency": "搜索结果按相关性和时效性排序，同一来源结果打散，结果页公开排序的主要因素。",
    "ARS-14-list-manipulation": "识别刷搜索词、异常点击行为，不计入热搜和排序；禁止利用算法操纵搜索结果和热搜榜单。",
    "ARS-8-no-addiction": "搜索排序以相关性为目标，不以停留时长优化，不向用户推送诱导沉迷的内容。",
    "ARS-16-prominent-notice": "在{product}搜索结果页和《用户服务协议》中以显著方式告知用户搜索结果由算法排序。",
    "PIPL-24-automated-decisions": "搜索排序不在交易价格等条件上实行差别待遇；用户可在搜索结果页获取排序说明并选择不按个人特征排序。",
}


def measures_for(item, product: str, *, search: bool = False) -> str:
    """The measures of one catalogue item (an assessments CatalogueItem)."""
    text = (SEARCH_MEASURES.get(item.item_id) if search else None) or MEASURES.get(item.item_id)
    if text is None:
        text = getattr(item, "statement_zh", "") or item.question_zh
    return text.format(product=product)


def answer_all(
    algorithm,
    *,
    assessed_on: dt.date,
    report_date: dt.date,
    conclusion: str,
    search: bool = False,
    gaps: dict[str, dict] | None = None,
):
    """Create the algorithm's assessment with every applicable item answered
    compliant with its measures, except `gaps` (item id -> Answer fields,
    e.g. a partial answer with its justification and rectification)."""
    from assessments.models import Answer, Assessment
    from assessments.selectors import applicable_items
    from filings.interchange import algorithm_snapshot

    snapshot = algorithm_snapshot(algorithm)
    products = [d.service.name for d in algorithm.deployments.all() if d.service.name]
    product = products[0] if products else algorithm.name
    assessment = Assessment.objects.create(
        workspace=algorithm.workspace,
        algorithm=algorithm,
        assessed_on=assessed_on,
        report_date=report_date,
        conclusion=conclusion,
    )
    gaps = gaps or {}
    for item in applicable_items(snapshot, 0, 0):
        Answer.objects.create(
            workspace=algorithm.workspace,
            assessment=assessment,
            item=item.item_id,
            **{
                "status": "compliant",
                "measures": measures_for(item, product, search=search),
                **gaps.get(item.item_id, {}),
            },
        )
    return assessment
