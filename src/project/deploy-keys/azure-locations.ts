// Azure's public regions by their programmatic names, for checking deploy.location (`az account list-locations -o table`).

/**
 * The `name` of each physical region of the Azure public cloud (Azure's "List of Azure regions" and
 * `az account list-locations --query "[?metadata.regionType=='Physical'].name"`). A region Azure adds later is
 * accepted with a warning, so this list only has to be right about the shape of a name, not complete forever.
 */
export const AZURE_LOCATIONS: readonly string[] = [
  'australiacentral', 'australiacentral2', 'australiaeast', 'australiasoutheast', 'austriaeast', 'belgiumcentral',
  'brazilsouth', 'brazilsoutheast', 'canadacentral', 'canadaeast', 'centralindia', 'centralus', 'chilecentral',
  'eastasia', 'eastus', 'eastus2', 'francecentral', 'francesouth', 'germanynorth', 'germanywestcentral',
  'indonesiacentral', 'israelcentral', 'italynorth', 'japaneast', 'japanwest', 'koreacentral', 'koreasouth',
  'malaysiawest', 'mexicocentral', 'newzealandnorth', 'northcentralus', 'northeurope', 'norwayeast', 'norwaywest',
  'polandcentral', 'qatarcentral', 'southafricanorth', 'southafricawest', 'southcentralus', 'southeastasia',
  'southindia', 'spaincentral', 'swedencentral', 'swedensouth', 'switzerlandnorth', 'switzerlandwest', 'uaecentral',
  'uaenorth', 'uksouth', 'ukwest', 'westcentralus', 'westeurope', 'westindia', 'westus', 'westus2', 'westus3',
];

/** The shape of a programmatic region name: lowercase letters, then optional digits (`westeurope`, `eastus2`). */
export const AZURE_LOCATION_PATTERN = /^[a-z]+[0-9]?$/;

/** `West Europe`, `west-europe`, `WestEurope` → `westeurope`: how a display name or a slip reads as a region name. */
export function toLocationName(written: string): string {
  return written.toLowerCase().replace(/[\s_-]+/g, '');
}
