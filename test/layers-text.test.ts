/** Architecture text: parseLayers and formatLayers agree, aliases and spellings included. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CNN_LAYERS, formatLayers, OptionError, parseLayers } from '../src/engine/index.js';
import { describeArchitecture } from '../src/engine/layers/layers-text.js';

test('format(parse(text)) is the canonical text, and parsing it again builds the same layers', () => {
  const cases: [string, string][] = [
    [CNN_LAYERS, CNN_LAYERS],
    ['conv:8:3:same,relu,pool:2,conv:4:5,flatten,dropout:0.5,dense:10', 'conv:8:3:same,relu,pool:2,conv:4:5,flatten,dropout:0.5,dense:10'],
    // aliases and spellings: maxpool for pool, an explicit :valid, upper case, spaces
    ['Conv:6:5:VALID, MaxPool:2 ,RELU,dense:32,relu,dense:10', 'conv:6:5,pool:2,relu,dense:32,relu,dense:10'],
    ['conv:2:3:Same,dense:10', 'conv:2:3:same,dense:10'],
  ];
  for (const [text, canonical] of cases) {
    const specs = parseLayers(text);
    assert.is(formatLayers(specs), canonical, text);
    assert.equal(parseLayers(formatLayers(specs)), specs, `${text}: the round trip builds the same layers`);
  }
});

test('bad text: one OptionError naming the item and what it expected', () => {
  const cases: [string, RegExp][] = [
    ['conv:8:5,pool:2,dense', /item 3 'dense' expected dense:OUTPUTS$/],
    ['conv:8:30,flatten,dense:10', /item 1 'conv:8:30' has a 30×30 kernel, which does not fit the 28×28 input it gets/],
    ['dense:64,conv:8:3,dense:10', /item 2 'conv:8:3' needs an image input/],
    ['conv:8:5,tanh,dense:10', /item 2 'tanh' is not a layer/],
    ['conv:x:5,dense:10', /item 1 'conv:x:5' needs a filter count as a whole number > 0, found 'x'/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(() => parseLayers(text), (e: Error) => e instanceof OptionError && pattern.test(e.message) && !e.message.includes('\n'), text);
  }
});

test('describeArchitecture names models for people', () => {
  assert.is(describeArchitecture(parseLayers('dense:10')), 'softmax regression 784→10');
  assert.is(describeArchitecture(parseLayers('dense:256,relu,dense:10')), 'MLP 784-256-10');
  assert.is(describeArchitecture(parseLayers('conv:4:5,flatten,dense:10')), 'CNN conv:4:5,flatten,dense:10');
  assert.is(describeArchitecture(parseLayers('pool:2,dense:10')), 'network pool:2,dense:10');
});

test.run();
