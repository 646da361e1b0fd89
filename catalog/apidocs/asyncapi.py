"""AsyncAPI 2.x and 3.x read into channels, the operations on them and their messages
(payload and headers schemas, examples)."""

from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from catalog.apidocs.common import Document, as_dict, as_list, examples, scalar, schema_html, text

MAX_CHANNELS = 200
MAX_MESSAGES = 20


@dataclass
class Message:
    name: str
    title: str = ""
    summary: str = ""
    description: SafeString | str = ""
    content_type: str = ""
    payload: SafeString | str = ""
    headers: SafeString | str = ""
    examples: list[tuple[str, SafeString]] = field(default_factory=list)
    problem: str = ""


@dataclass
class ChannelOperation:
    action: str  # publish / subscribe (2.x), send / receive (3.x)
    operation_id: str = ""
    summary: str = ""
    description: SafeString | str = ""
    messages: list[Message] = field(default_factory=list)


@dataclass
class Channel:
    name: str
    address: str = ""
    description: SafeString | str = ""
    parameters: list[tuple[str, str]] = field(default_factory=list)
    operations: list[ChannelOperation] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)  # 3.x: what the channel carries
    anchor: str = ""


def _message(doc: Document, raw, fallback: str) -> Message:
    message, ref_name, problem = doc.deref(raw)
    if problem:
        return Message(name=ref_name.rsplit("/", 1)[-1] or fallback, problem=f"{problem}: {ref_name}")
    message = as_dict(message)
    payload = message.get("payload")
    if isinstance(payload, dict) and "schemaFormat" in payload and "schema" in payload:  # 3.x multi-format schema
        payload = payload["schema"]
    found_examples = []
    for i, example in enumerate(as_list(message.get("examples"))[:5]):
        example = as_dict(doc.deref(example)[0])
        label = text(example.get("name")) or text(example.get("summary")) or f"example {i + 1}"
        value = example.get("payload", example.get("headers"))
        if value is not None:
            found_examples += [(label, html) for _, html in examples(doc, {"example": value})]
    return Message(
        name=text(message.get("name")) or ref_name or fallback, title=text(message.get("title")),
        summary=text(message.get("summary")), description=doc.describe(message.get("description")),
        content_type=text(message.get("contentType")) or text(doc.root.get("defaultContentType")),
        payload=schema_html(doc, payload) if isinstance(payload, dict) else "",
        headers=schema_html(doc, message["headers"]) if isinstance(message.get("headers"), dict) else "",
        examples=found_examples,
    )


def _messages_of(doc: Document, raw, fallback: str) -> list[Message]:
    """A 2.x operation's `message`: one message, a $ref, or `oneOf` several."""
    target, _, problem = doc.deref(raw)
    if not problem and isinstance(target, dict) and isinstance(target.get("oneOf"), list):
        return [_message(doc, m, f"{fallback} {i + 1}") for i, m in enumerate(target["oneOf"][:MAX_MESSAGES])]
    return [_message(doc, raw, fallback)] if raw is not None else []


def _parameters(doc: Document, raw) -> list[tuple[str, str]]:
    found = []
    for name, item in list(as_dict(raw).items())[:20]:
        item = as_dict(doc.deref(item)[0])
        found.append((str(name), text(item.get("description"))))
    return found


def _anchor(name: str, index: int) -> str:
    return f"ch-{index}-" + "".join(ch if ch.isalnum() else "-" for ch in name.lower())[:60].strip("-")


def channels(doc: Document) -> tuple[list[Channel], int, str]:
    """(channels, how many were left out, major version "2" or "3")."""
    version = scalar(doc.root.get("asyncapi"))
    major = "3" if version.startswith("3") else "2"
    raw_channels = list(as_dict(doc.root.get("channels")).items())
    left_out = max(0, len(raw_channels) - MAX_CHANNELS)
    found: list[Channel] = []
    by_ref: dict[str, Channel] = {}
    for index, (name, raw) in enumerate(raw_channels[:MAX_CHANNELS]):
        item, ref_name, problem = doc.deref(raw)
        item = as_dict(item)
        channel = Channel(name=str(name), address=str(name) if major == "2" else text(item.get("address")),
                          description=doc.describe(item.get("description")),
                          parameters=_parameters(doc, item.get("parameters")), anchor=_anchor(str(name), index))
        if major == "2":
            for action in ("publish", "subscribe"):
                op = item.get(action)
                if not isinstance(op, dict):
                    continue
                channel.operations.append(ChannelOperation(
                    action=action, operation_id=text(op.get("operationId")), summary=text(op.get("summary")),
                    description=doc.describe(op.get("description")),
                    messages=_messages_of(doc, op.get("message"), f"{action} message")))
        else:
            channel.messages = [_message(doc, m, str(key))
                                for key, m in list(as_dict(item.get("messages")).items())[:MAX_MESSAGES]]
            by_ref[f"#/channels/{str(name).replace('~', '~0').replace('/', '~1')}"] = channel
        found.append(channel)
    if major == "3":
        for op_id, raw in list(as_dict(doc.root.get("operations")).items())[:MAX_CHANNELS * 2]:
            op = as_dict(doc.deref(raw)[0])
            channel_ref = as_dict(op.get("channel")).get("$ref")
            channel = by_ref.get(channel_ref) if isinstance(channel_ref, str) else None
            if channel is None:
                continue
            messages = [_message(doc, m, "message") for m in as_list(op.get("messages"))[:MAX_MESSAGES]] \
                if op.get("messages") else []
            channel.operations.append(ChannelOperation(
                action=text(op.get("action")) or "?", operation_id=str(op_id), summary=text(op.get("summary")),
                description=doc.describe(op.get("description")), messages=messages))
    return found, left_out, major


def servers(doc: Document) -> list[str]:
    found = []
    for name, server in list(as_dict(doc.root.get("servers")).items())[:20]:
        server = as_dict(doc.deref(server)[0])
        url = text(server.get("url")) or (text(server.get("host")) + text(server.get("pathname")))
        protocol = text(server.get("protocol"))
        if url:
            found.append(f"{name}: {url}" + (f" ({protocol})" if protocol else ""))
    return found
