/**
 * The subset of Adaptive Cards (schema 1.5, the highest Teams renders) we produce, as plain JSON types so a card can be
 * stored in the outbox and posted unchanged. Reference: https://adaptivecards.io/explorer/ and
 * https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/cards-reference
 *
 * Deliberately absent: `Action.Submit`/`Action.Execute` (a Workflows post cannot call us back), `msteams.entities`
 * (mentions), `Image` and `Media` (no URL from a finding is ever fetched or shown).
 */

export type ContainerStyle = 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';
export type TextColor = 'default' | 'dark' | 'light' | 'accent' | 'good' | 'warning' | 'attention';
export type TextSize = 'small' | 'default' | 'medium' | 'large' | 'extraLarge';
export type TextWeight = 'lighter' | 'default' | 'bolder';
export type Spacing = 'none' | 'small' | 'default' | 'medium' | 'large' | 'extraLarge' | 'padding';

/** Text our own code writes (labels, headings, counts): Teams parses a Markdown subset in it, so no finding text. */
export interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap?: boolean;
  size?: TextSize;
  weight?: TextWeight;
  color?: TextColor;
  isSubtle?: boolean;
  spacing?: Spacing;
  separator?: boolean;
  maxLines?: number;
}

/** A run of text that Teams draws as is: no Markdown, no mentions. Where finding text goes. */
export interface TextRun {
  type: 'TextRun';
  text: string;
  weight?: TextWeight;
  size?: TextSize;
  color?: TextColor;
  isSubtle?: boolean;
  fontType?: 'default' | 'monospace';
  italic?: boolean;
  /** Only ever an Action.OpenUrl to a URL we build (the console deep link). */
  selectAction?: OpenUrlAction;
}

export interface RichTextBlock {
  type: 'RichTextBlock';
  inlines: TextRun[];
  spacing?: Spacing;
  separator?: boolean;
}

export interface Fact { title: string; value: string }
export interface FactSet { type: 'FactSet'; facts: Fact[]; spacing?: Spacing; separator?: boolean }

export interface Container {
  type: 'Container';
  items: CardElement[];
  style?: ContainerStyle;
  bleed?: boolean;
  spacing?: Spacing;
  separator?: boolean;
}

export interface TableCell { type: 'TableCell'; items: CardElement[] }
export interface TableRow { type: 'TableRow'; cells: TableCell[]; style?: ContainerStyle }
/** Adaptive Cards 1.5. */
export interface Table {
  type: 'Table';
  columns: Array<{ width: number }>;
  rows: TableRow[];
  firstRowAsHeader?: boolean;
  showGridLines?: boolean;
  gridStyle?: ContainerStyle;
  spacing?: Spacing;
  separator?: boolean;
}

export type CardElement = TextBlock | RichTextBlock | FactSet | Container | Table;

export interface OpenUrlAction { type: 'Action.OpenUrl'; title: string; url: string }

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  version: '1.5';
  body: CardElement[];
  actions?: OpenUrlAction[];
  /** Teams' own extension: the card uses the channel's full width. */
  msteams: { width: 'Full' };
}
