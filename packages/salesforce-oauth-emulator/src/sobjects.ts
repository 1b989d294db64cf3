/**
 * The objects the REST API serves (User, Profile, Organization): their fields, their rows built
 * from the org's users, and the describe documents clients read (salesforce-behaviour.md §11.3,
 * §11.5). Pure: takes the org's users and returns values.
 */
import { displayName } from './profile-fields.js';
import { deriveSalesforceId } from './ids.js';
import type { FieldValue, SoqlField, SoqlFieldType, SoqlObject, SoqlRow } from './soql.js';
import type { ResolvedUser } from './types.js';

/** What the emulated objects are built from. */
export interface OrgData {
  orgId: string;
  users: readonly ResolvedUser[];
}

const field = (name: string, type: SoqlFieldType, label = name.replace(/([a-z])([A-Z])/g, '$1 $2')): SoqlField => ({ name, type, label });

const USER: SoqlObject = {
  name: 'User',
  fields: [
    field('Id', 'id', 'User ID'),
    field('Username', 'string'),
    field('LastName', 'string'),
    field('FirstName', 'string'),
    field('Name', 'string', 'Full Name'),
    field('Email', 'email'),
    field('IsActive', 'boolean', 'Active'),
    field('UserType', 'picklist', 'User Type'),
    field('ProfileId', 'reference', 'Profile ID'),
    field('TimeZoneSidKey', 'picklist', 'Time Zone'),
    field('LocaleSidKey', 'picklist', 'Locale'),
    field('LanguageLocaleKey', 'picklist', 'Language'),
    field('CreatedDate', 'datetime'),
    field('LastModifiedDate', 'datetime'),
  ],
  relationships: { Profile: 'Profile' },
};

const PROFILE: SoqlObject = {
  name: 'Profile',
  fields: [field('Id', 'id', 'Profile ID'), field('Name', 'string')],
  relationships: {},
};

/** The fields the Salesforce CLI reads after a login and for `org display` (salesforce-behaviour.md §11.3). */
const ORGANIZATION: SoqlObject = {
  name: 'Organization',
  fields: [
    field('Id', 'id', 'Organization ID'),
    field('Name', 'string'),
    field('InstanceName', 'string'),
    field('IsSandbox', 'boolean'),
    field('OrganizationType', 'picklist', 'Edition'),
    field('TrialExpirationDate', 'datetime'),
    field('NamespacePrefix', 'string'),
    field('LanguageLocaleKey', 'picklist', 'Language'),
    field('TimeZoneSidKey', 'picklist', 'Time Zone'),
    field('CreatedDate', 'datetime'),
  ],
  relationships: {},
};

/** The emulated objects, in the order describe lists them. */
export const SOBJECTS: readonly SoqlObject[] = [ORGANIZATION, PROFILE, USER];

/** Key prefixes of the emulated objects' ids. */
const KEY_PREFIXES: Readonly<Record<string, string>> = { User: '005', Profile: '00e', Organization: '00D' };

export function findSObject(name: string): SoqlObject | undefined {
  return SOBJECTS.find((object) => object.name.toLowerCase() === name.toLowerCase());
}

/** Every user's profile is Standard User: the emulator has one. */
const PROFILE_NAME = 'Standard User';

function profileId(orgId: string): string {
  return deriveSalesforceId('00e', `${orgId} ${PROFILE_NAME}`);
}

function userRow(user: ResolvedUser): SoqlRow {
  const userType = user.userType === 'STANDARD' ? 'Standard' : user.userType.charAt(0) + user.userType.slice(1).toLowerCase();
  const profile = { Id: profileId(user.orgId), Name: PROFILE_NAME };
  return {
    Id: user.userId,
    Username: user.username,
    LastName: user.lastName,
    FirstName: user.firstName,
    Name: displayName(user),
    Email: user.email,
    IsActive: user.active,
    UserType: userType,
    ProfileId: profile.Id,
    Profile: profile,
    TimeZoneSidKey: user.timezone,
    LocaleSidKey: user.locale,
    LanguageLocaleKey: user.language,
    CreatedDate: user.lastModifiedDate,
    LastModifiedDate: user.lastModifiedDate,
  };
}

/** The rows of `object` in the org. */
export function rowsOf(object: SoqlObject, org: OrgData): SoqlRow[] {
  const users = org.users.filter((user) => user.orgId === org.orgId);
  switch (object.name) {
    case 'User':
      return users.map(userRow);
    case 'Profile':
      return [{ Id: profileId(org.orgId), Name: PROFILE_NAME }];
    case 'Organization':
      return [
        {
          Id: org.orgId,
          Name: 'Emulated Org',
          InstanceName: 'EMU1',
          IsSandbox: false,
          OrganizationType: 'Developer Edition',
          TrialExpirationDate: null,
          NamespacePrefix: null,
          LanguageLocaleKey: 'en_US',
          TimeZoneSidKey: 'America/Los_Angeles',
          CreatedDate: users[0]?.lastModifiedDate ?? null,
        },
      ];
    default:
      return [];
  }
}

/** `/services/data/vXX.X/sobjects/{name}/{id}` of a row. */
export function recordUrl(object: SoqlObject, id: FieldValue, version: string): string {
  return `/services/data/v${version}/sobjects/${object.name}/${String(id)}`;
}

/** A row as the REST API sends it: `attributes`, then the selected paths, related records nested. */
export function recordJson(
  object: SoqlObject,
  row: SoqlRow,
  paths: ReadonlyArray<readonly string[]>,
  version: string,
): Record<string, unknown> {
  const record: Record<string, unknown> = { attributes: { type: object.name, url: recordUrl(object, row['Id'] as FieldValue, version) } };
  for (const path of paths) {
    const [head, ...rest] = path;
    if (head === undefined) continue;
    if (rest.length === 0) {
      record[head] = (row[head] as FieldValue | undefined) ?? null;
      continue;
    }
    const related = findSObject(object.relationships[head] ?? '');
    const relatedRow = row[head];
    if (related === undefined || relatedRow === undefined || relatedRow === null || typeof relatedRow !== 'object') {
      record[head] = null;
      continue;
    }
    const existing = record[head] as Record<string, unknown> | undefined;
    const nested = recordJson(related, relatedRow, [rest], version);
    record[head] = existing === undefined ? nested : { ...existing, ...nested };
  }
  return record;
}

const SOAP_TYPES: Readonly<Record<SoqlFieldType, string>> = {
  id: 'tns:ID',
  string: 'xsd:string',
  boolean: 'xsd:boolean',
  datetime: 'xsd:dateTime',
  date: 'xsd:date',
  email: 'xsd:string',
  picklist: 'xsd:string',
  reference: 'tns:ID',
  int: 'xsd:int',
};

/** The summary describe global and basic information give of an object. */
function objectSummary(object: SoqlObject, version: string): Record<string, unknown> {
  const base = `/services/data/v${version}/sobjects/${object.name}`;
  return {
    name: object.name,
    label: object.name,
    labelPlural: `${object.name}s`,
    keyPrefix: KEY_PREFIXES[object.name] ?? null,
    custom: false,
    createable: false,
    updateable: false,
    deletable: false,
    queryable: true,
    retrieveable: true,
    searchable: false,
    layoutable: false,
    urls: { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
  };
}

/** `GET …/sobjects`: describe global. */
export function describeGlobal(version: string): Record<string, unknown> {
  return { encoding: 'UTF-8', maxBatchSize: 200, sobjects: SOBJECTS.map((object) => objectSummary(object, version)) };
}

/** `GET …/sobjects/{name}`: basic information. */
export function basicInfo(object: SoqlObject, version: string): Record<string, unknown> {
  return { objectDescribe: objectSummary(object, version), recentItems: [] };
}

/** `GET …/sobjects/{name}/describe`: the object with its fields. */
export function describeObject(object: SoqlObject, version: string): Record<string, unknown> {
  return {
    ...objectSummary(object, version),
    fields: object.fields.map((f) => ({
      name: f.name,
      label: f.label,
      type: f.type,
      soapType: SOAP_TYPES[f.type],
      nillable: f.type !== 'id' && f.type !== 'boolean' && f.name !== 'LastName' && f.name !== 'Username',
      custom: false,
      createable: false,
      updateable: false,
      filterable: true,
      sortable: true,
      length: f.type === 'string' || f.type === 'email' || f.type === 'picklist' ? 255 : 0,
      referenceTo: f.type === 'reference' ? Object.values(object.relationships) : [],
      relationshipName: f.type === 'reference' ? (Object.keys(object.relationships)[0] ?? null) : null,
    })),
    childRelationships: [],
    recordTypeInfos: [],
  };
}

/** `columnMetadata` of a query asked with `columns=true` (salesforce-behaviour.md §11.2). */
export function columnMetadata(object: SoqlObject, paths: ReadonlyArray<readonly string[]>): Array<Record<string, unknown>> {
  const columns: Array<Record<string, unknown>> = [];
  for (const path of paths) {
    const [head, ...rest] = path;
    if (head === undefined) continue;
    if (rest.length === 0) {
      const f = object.fields.find((candidate) => candidate.name === head);
      columns.push(column(head, head, f?.type ?? 'string', []));
      continue;
    }
    const related = findSObject(object.relationships[head] ?? '');
    const existing = columns.find((c) => c['columnName'] === head && Array.isArray(c['joinColumns']) && c['joinColumns'].length > 0);
    const joins =
      related === undefined
        ? []
        : columnMetadata(related, [rest]).map((join) => ({ ...join, displayName: `${head}.${String(join['displayName'])}` }));
    if (existing === undefined) columns.push(column(head, head, 'reference', joins));
    else (existing['joinColumns'] as unknown[]).push(...joins);
  }
  return columns;
}

function column(name: string, displayName: string, type: SoqlFieldType, joinColumns: unknown[]): Record<string, unknown> {
  const apexTypes: Record<SoqlFieldType, string | null> = {
    id: 'Id',
    string: 'String',
    boolean: 'Boolean',
    datetime: 'Datetime',
    date: 'Date',
    email: 'String',
    picklist: 'String',
    reference: null,
    int: 'Integer',
  };
  return {
    aggregate: false,
    apexType: joinColumns.length > 0 ? null : apexTypes[type],
    booleanType: type === 'boolean',
    columnName: name,
    custom: false,
    displayName,
    foreignKeyName: null,
    insertable: false,
    joinColumns,
    numberType: type === 'int',
    textType: type === 'string' || type === 'email' || type === 'picklist' || type === 'id',
    updatable: false,
  };
}
