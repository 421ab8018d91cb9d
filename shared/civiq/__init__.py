"""CiVQ utility billing: the application package shared by every Lambda function (a layer)."""
