// The `deploy` keys only the Azure provider (Container Apps jobs) reads.

export const azureDeployKeys = {};
