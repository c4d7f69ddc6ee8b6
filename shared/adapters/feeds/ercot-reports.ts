/**
 * The ERCOT products this code reads, each report id (EMIL id) beside its name, its public-API path
 * (under https://api.ercot.com/api/public-reports) and its product page, so that a reader can go
 * from a parser to ERCOT's documentation by name. The MIS parsers and the API client both import
 * these; nothing else spells a report id.
 */
/** A product ERCOT publishes: its name and its page on ercot.com. */
export interface ErcotProduct {
  /** The product name as ERCOT publishes it. */
  readonly name: string;
  /** The product's page on ercot.com (MIS files and the data dictionary). */
  readonly productUrl: string;
}

/** A product with an EMIL report id, also served by the public API. */
export interface ErcotReport extends ErcotProduct {
  /** The EMIL id, e.g. `NP6-905-CD`. */
  readonly id: string;
  /** The public API endpoint, relative to the API's base URL. */
  readonly apiPath: string;
}

const PRODUCT_PAGE = 'https://www.ercot.com/mp/data-products/data-product-details?id=';

function report(id: string, name: string, endpoint: string): ErcotReport {
  return { id, name, apiPath: `${id.toLowerCase()}/${endpoint}`, productUrl: `${PRODUCT_PAGE}${id}` };
}

/** Real-time 15-minute settlement point prices (MIS CSV and API). */
export const RTM_SPP_REPORT = report('NP6-905-CD', 'Settlement Point Prices at Resource Nodes, Hubs and Load Zones', 'spp_node_zone_hub');

/** Day-ahead hourly settlement point prices (MIS CSV and API). */
export const DAM_SPP_REPORT = report('NP4-190-CD', 'DAM Settlement Point Prices', 'dam_stlmnt_pnt_prices');

/** Real-time LMPs of every SCED run, about every 5 minutes (MIS CSV and API). */
export const SCED_LMP_REPORT = report('NP6-788-CD', 'LMPs by Resource Nodes, Load Zones and Trading Hubs', 'lmp_node_zone_hub');

/** The hourly native load archive (one workbook or CSV per year; not an EMIL report, so no API path). */
export const NATIVE_LOAD_ARCHIVE: ErcotProduct = {
  name: 'Hourly Load Data Archives',
  productUrl: 'https://www.ercot.com/gridinfo/load/load_hist',
};
