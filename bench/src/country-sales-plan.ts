/**
 * The realistic scenario of the benchmark: the country-sales organisation (`examples/country-sales`) at scale.
 * Contacts live in 40 countries, one of them 24% of the contacts and a long tail for the rest; each contact is a
 * manager (one per country), a team lead, a sales person, a customer or none of these. The policy is shaped like
 * the example's and applied through the policy file: a priority-10 deny wall on "other countries" for all staff,
 * role allows on tokenized smart groups ("same country", "customers in my country"), and a priority-20 "key
 * accounts" exception (a static group of 0.2% of the contacts, in every country).
 */

/** Bumped whenever the generated data or policy changes. */
export const COUNTRY_SALES_VERSION = 1;
/** The domain of the scenario. */
export const COUNTRY_SALES_DOMAIN = 'country-sales';
/** Countries K00..K39: K00 holds 24% of the contacts, K01..K39 share the rest as 1/i (K39 is the smallest). */
export const COUNTRY_COUNT = 40;
export const BIG_COUNTRY_SHARE = 0.24;
/** Shares of the kinds of contact (the rest have no sub-type); one manager per country besides. */
export const KIND_SHARES = { team_lead: 0.002, sales: 0.05, customer: 0.81 } as const;
/** Share of the contacts in the static "Key accounts" group (customers, any country). */
export const KEY_ACCOUNT_SHARE = 0.002;

/** The country code of index i. */
export function countryCode(i: number): string {
  return `K${String(i).padStart(2, '0')}`;
}

/** The share of the contacts in each country (sums to 1). */
export function countryShares(): number[] {
  const tail = Array.from({ length: COUNTRY_COUNT - 1 }, (_, i) => 1 / (i + 1));
  const sum = tail.reduce((a, b) => a + b, 0);
  return [BIG_COUNTRY_SHARE, ...tail.map((w) => ((1 - BIG_COUNTRY_SHARE) * w) / sum)];
}

/** The policy file of the scenario (YAML), applied with `@rowguard/policy` like `rowguard apply` does. */
export const COUNTRY_SALES_POLICY = `version: 1
domain: ${COUNTRY_SALES_DOMAIN}
attributes:
  country: { type: text }
groups:
  - { name: Managers, kind: static }
  - { name: Team leads, kind: static }
  - { name: Sales staff, kind: static }
  - { name: Key accounts, kind: static }
  - name: Same country
    kind: smart
    criteria: { field: country, op: "=", value: { $subject: country } }
  - name: Other countries
    kind: smart
    criteria: { field: country, op: "!=", value: { $subject: country } }
  - name: Customers in my country
    kind: smart
    criteria:
      all:
        - { field: country, op: "=", value: { $subject: country } }
        - { subType: customer }
roles:
  - { name: Country manager, permissions: [access CRM], assignees: [{ group: Managers }] }
  - { name: Team lead, permissions: [access CRM], assignees: [{ group: Team leads }] }
  - { name: Sales, permissions: [access CRM], assignees: [{ group: Sales staff }] }
  - { name: Country staff, assignees: [{ group: Managers }, { group: Team leads }, { group: Sales staff }] }
entries:
  - { key: managers-edit-country, effect: allow, operation: edit, owner: { role: Country manager }, object: { members: Same country } }
  - { key: leads-view-country, effect: allow, operation: view, owner: { role: Team lead }, object: { members: Same country } }
  - { key: sales-view-customers, effect: allow, operation: view, owner: { role: Sales }, object: { members: Customers in my country } }
  - { key: key-accounts, effect: allow, operation: view, owner: { role: Country staff }, object: { members: Key accounts }, priority: 20 }
  - { key: country-wall, effect: deny, operation: all, owner: { role: Country staff }, object: { members: Other countries }, priority: 10 }
`;

/** A subject of the scenario: a kind of staff in a country. What it sees (view) is written by hand in {@link CountrySubject.visible}. */
export interface CountrySubject {
  readonly key: string;
  readonly label: string;
  readonly kind: 'manager' | 'team_lead' | 'sales';
  readonly country: number;
  /** `customers`: key accounts, and customers of the country; `country`: key accounts, and the whole country. */
  readonly visible: 'customers' | 'country';
}

/** The subjects measured. */
export const COUNTRY_SUBJECTS: readonly CountrySubject[] = [
  { key: 'sales-big', label: 'sales, big country', kind: 'sales', country: 0, visible: 'customers' },
  { key: 'sales-small', label: 'sales, small country', kind: 'sales', country: COUNTRY_COUNT - 1, visible: 'customers' },
  { key: 'manager-small', label: 'manager, small country', kind: 'manager', country: COUNTRY_COUNT - 1, visible: 'country' },
  { key: 'manager-big', label: 'manager, big country', kind: 'manager', country: 0, visible: 'country' },
  { key: 'lead-second', label: 'team lead, second country', kind: 'team_lead', country: 1, visible: 'country' },
];
