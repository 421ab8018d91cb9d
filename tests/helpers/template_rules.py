"""template.yaml's Rules and Conditions evaluated as CloudFormation evaluates them before it
creates anything (the intrinsic functions the template uses in them, no more)."""

from __future__ import annotations

from typing import Any

# What the emulator cannot create, left out of the local stack (the OnAws condition): moto creates
# topics (and their inline subscriptions), not the rest of SNS, nor SES's resources.
AWS_ONLY_TYPES = (
    "AWS::CloudWatch::Alarm",
    "AWS::Backup::",
    "AWS::SNS::Subscription",
    "AWS::SNS::TopicPolicy",
    "AWS::SES::",
)


def evaluate(node: Any, template: dict[str, Any], parameters: dict[str, str], region: str) -> Any:
    """A rule's or condition's value, ``parameters`` given (others take their defaults)."""

    def value(item: Any) -> Any:
        return evaluate(item, template, parameters, region)

    if isinstance(node, list):
        return [value(item) for item in node]
    if not isinstance(node, dict):
        return node if isinstance(node, bool) else str(node)
    ((function, arguments),) = node.items()
    if function == "Ref":
        if arguments == "AWS::Region":
            return region
        return parameters.get(arguments, str(template["Parameters"][arguments].get("Default", "")))
    if function == "Condition":
        return value(template["Conditions"][arguments])
    operands = value(arguments)
    if function == "Fn::Equals":
        return operands[0] == operands[1]
    if function == "Fn::Not":
        return not operands[0]
    if function == "Fn::And":
        return all(operands)
    if function == "Fn::Or":
        return any(operands)
    if function == "Fn::Contains":
        return operands[1] in operands[0]
    raise NotImplementedError(function)


def refused_by_rules(template: dict[str, Any], parameters: dict[str, str], region: str) -> set[str]:
    """The rules whose condition holds and one of whose assertions fails: CloudFormation then
    refuses to create or update the stack."""
    refused = set()
    for name, rule in template.get("Rules", {}).items():
        applies = evaluate(rule.get("RuleCondition", True), template, parameters, region)
        if applies and not all(
            evaluate(a["Assert"], template, parameters, region) for a in rule["Assertions"]
        ):
            refused.add(name)
    return refused


def condition_holds(
    name: str, template: dict[str, Any], parameters: dict[str, str], region: str = "ca-central-1"
) -> bool:
    return bool(evaluate({"Condition": name}, template, parameters, region))
