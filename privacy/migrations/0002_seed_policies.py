"""The first published version of each policy document, in English and Chinese (LEGAL L1)."""

import hashlib

from django.db import migrations
from django.utils import timezone

LABEL = "2026-11"

PRIVACY_EN = """\
This community platform is run for its members. This policy says what personal data the platform
holds, why, for how long, and what you can do about it.

## What we hold

- **Your account**: your email address, a display name, your password (stored only as a one-way hash),
  your language, time zone and message preferences, and, if you add them, a short bio and a picture.
- **What you write**: posts, comments, reactions and events you create, and your replies to events.
  Posts you delete are kept as a record for a limited time because the law requires it, then
  their text is removed.
- **Messages to you**: notifications in your inbox and emails we send you, and a record of what was
  sent, kept for a short time so that nothing is sent twice.
- **Your decisions**: every consent you give or withdraw, with the version of the text you saw.
- **Security records**: sign-ins and access logs (including IP addresses) kept for the period the
  Cybersecurity Law requires.

## Why

To run your account and the spaces you join, to deliver what you asked to receive, to keep the
community safe (moderation, abuse prevention) and to meet legal duties. We do not sell your data.
Marketing messages, a public profile, personalised recommendations and sharing your attendance with
an outside organiser are optional: each needs your separate consent, and everything else works
without them. You can withdraw any consent with one click on the privacy page.

## How long

Each kind of data has a keep-period and, where the law sets one, a minimum. The table below is
generated from the platform's own schedule, so it always matches what the software does. A daily job
deletes or anonymises what has reached its end and records that it did so (without copying the data).

## Your rights

You can see, correct, export and delete your data, withdraw consent, and ask us to explain how your
data is used. Deleting your account takes a few clicks and can be cancelled for 7 days.
"""

PRIVACY_ZH = """\
本社区平台为成员服务。本政策说明平台保存哪些个人信息、为什么保存、保存多久，以及你可以如何管理。

## 我们保存什么

- **你的账号**：电子邮件地址、显示名称、密码（仅保存单向哈希值）、语言、时区和消息偏好；如你填写，还有简介和头像。
- **你发布的内容**：你创建的帖子、评论、回应和活动，以及你对活动的报名。你删除的帖子会按法律要求在有限时间内保留记录，之后删除其文字。
- **发给你的消息**：收件箱中的通知和我们发送给你的邮件，以及发送记录（短期保存，以免重复发送）。
- **你的决定**：你给予或撤回的每一项同意，以及你当时看到的文本版本。
- **安全记录**：登录和访问日志（包括 IP 地址），按《网络安全法》要求的期限保存。

## 为什么

为了运行你的账号和你加入的空间、发送你要求接收的内容、维护社区安全（审核、防止滥用）以及履行法律义务。我们不出售你的数据。营销消息、公开个人资料、个性化推荐以及向外部组织者共享你的报名信息都是可选的：每一项都需要你单独同意，拒绝后其他功能照常使用。你可以在隐私页面一键撤回任何同意。

## 保存多久

每类数据都有保存期限；法律规定了最短期限的，我们不会低于该期限。下表由平台自身的保存计划自动生成，因此始终与软件的实际行为一致。每天的定时任务会删除或匿名化到期的数据，并记录执行情况（不复制数据本身）。

## 你的权利

你可以查阅、更正、导出和删除你的数据，撤回同意，并要求我们解释数据的使用方式。注销账号只需几步，并可在 7 天内取消。
"""

TERMS_EN = """\
By creating an account you agree to these terms.

- You are responsible for what you post. Do not post anything illegal, anything that infringes other
  people's rights, or other people's personal data without their permission.
- Moderators may hide or remove content and limit accounts under the community rules; every such
  decision comes with the rule it relies on, and you can appeal it.
- You keep the rights to what you write; you allow the platform to show it to the audience of the space
  where you posted it.
- You can leave at any time by deleting your account.
"""

TERMS_ZH = """\
创建账号即表示你同意本条款。

- 你对自己发布的内容负责。请勿发布违法内容、侵犯他人权利的内容，或未经许可的他人个人信息。
- 版主可以依据社区规则隐藏或删除内容、限制账号；每项决定都会注明所依据的规则，你可以提出申诉。
- 你保留自己所写内容的权利；你允许平台向你发布内容所在空间的读者展示这些内容。
- 你可以随时注销账号离开。
"""

RULES_EN = """\
1. Be kind. Disagree with ideas, not with people.
2. No harassment, hate, threats or sharing someone's private information.
3. No spam and no undisclosed advertising.
4. Nothing illegal, including content that infringes copyright or trademarks.
5. Stay on topic in each space and follow its own rules.

Breaking these rules can lead to a warning, hidden or removed content, a posting limit, a suspension
or a ban. You are always told which rule was applied and how to appeal.
"""

RULES_ZH = """\
1. 友善待人。可以反对观点，但不要攻击个人。
2. 禁止骚扰、仇恨言论、威胁，或公开他人隐私信息。
3. 禁止垃圾信息和未标明的广告。
4. 禁止违法内容，包括侵犯著作权或商标权的内容。
5. 在每个空间内围绕主题讨论，并遵守该空间自己的规则。

违反规则可能导致警告、内容被隐藏或删除、发帖限制、暂停或封禁。你总会被告知所适用的规则以及如何申诉。
"""

MARKETING_EN = """\
If you agree, we may send you occasional news about the community and its events, by email or in
your inbox — at most once a week. Each message names who sent it and how to contact them, and has a
link that stops such messages at once. Saying no changes nothing else; you can change your mind at
any time on the privacy page.
"""

MARKETING_ZH = """\
如你同意，我们可能会通过邮件或收件箱偶尔向你发送社区及其活动的消息，每周最多一次。每条消息都会注明发送者及联系方式，并附有立即停止接收此类消息的链接。拒绝不会影响其他任何功能；你可以随时在隐私页面更改决定。
"""

DOCUMENTS = {
    "privacy_policy": (PRIVACY_EN, PRIVACY_ZH),
    "terms": (TERMS_EN, TERMS_ZH),
    "community_rules": (RULES_EN, RULES_ZH),
    "marketing_terms": (MARKETING_EN, MARKETING_ZH),
}


def content_hash(body_en: str, body_zh: str) -> str:
    # A copy of privacy.models.policy_content_hash: migrations must not change when the model does.
    digest = hashlib.sha256()
    for body in (body_en, body_zh):
        data = body.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def seed(apps, schema_editor):
    PolicyDocument = apps.get_model("privacy", "PolicyDocument")
    PolicyVersion = apps.get_model("privacy", "PolicyVersion")
    now = timezone.now()
    for kind, (body_en, body_zh) in DOCUMENTS.items():
        document, _ = PolicyDocument.objects.get_or_create(kind=kind)
        if not PolicyVersion.objects.filter(document=document).exists():
            PolicyVersion.objects.create(
                document=document,
                label=LABEL,
                body_en=body_en,
                body_zh=body_zh,
                content_hash=content_hash(body_en, body_zh),
                published_at=now,
            )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
