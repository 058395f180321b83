import { Box, Text } from 'ink';

export interface RowsProps {
  /** Pre-fitted lines, each exactly `width` columns. */
  lines: readonly string[];
  width: number;
  height: number;
}

/**
 * A fixed `width` × `height` block of pre-fitted lines. The explicit size keeps the pane grid
 * exact even when a line is short or missing; `truncate` is only a safety net against wrapping.
 */
export function Rows({ lines, width, height }: RowsProps) {
  if (width <= 0 || height <= 0) return null;
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0} overflow="hidden">
      {lines.slice(0, height).map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line}
        </Text>
      ))}
    </Box>
  );
}
